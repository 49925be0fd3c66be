"""When a customer asks for a time: dates and clock times in English and Roman Urdu.

Pure (no I/O, no clock of its own): the caller hands in the moment of the
message and the business's zone, so "kal 5 baje" means the same in a test as in
production. What is asked is read as lying ahead of ``now``:

1. The day: an explicit date ("12 Dec", "12/12" day/month as in Pakistan,
   "on the 12th"), else a relative day ("aaj", "kal" = tomorrow in a booking,
   "parson"), else a weekday (the next one; today's weekday counts as today
   when no time was said or the time is still ahead; "next Monday" is never
   today), else none (``Asked.day`` is None).
2. The clock: am/pm, "baje", "17:00", a part of day followed by an hour
   ("sham 7"), "at 11", "noon"; "in 2 hours" and "abhi"/"now" give the moment
   itself. A bare hour 1–12 is read by a Roman Urdu cue (subah, dopahar,
   shaam, raat), else by whichever reading lies ahead of ``now``, then inside
   the opening hours (a salon open 10–20 hears "5 baje" as 17:00), else as
   afternoon for 1–7, morning for 8–11 and noon for 12.
3. A part of day without a clock ("tomorrow evening") keeps ``part_of_day``
   and leaves ``at`` None: which hour of the evening is the customer's to say.

Local times follow PEP 495 (``fold=0``, ``tenants.hours.wall_clock``): a
local time that does not exist (skipped by a spring-forward change) moves
forward by the gap (02:30 on a New York spring-forward day is 03:30 EDT), and
an ambiguous one (repeated by a fall-back change) is the first occurrence.

Bare numbers are never times: prices ("5000"), quantities ("2 haircuts"),
phone numbers and "24/7" need a cue (a suffix, a colon, "at", a part of day).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from b2a.assistant.when._clock import (
    Clock,
    Reading,
    blank,
    cued,
    hour_after_day,
    local_at,
    passed_today,
    read_clock,
    read_part_of_day,
)
from b2a.assistant.when._day import DaySpec, read_day
from b2a.assistant.when._vocabulary import IN_A_WHILE, NOW, NOWADAYS
from b2a.tenants.hours import Day, is_open


@dataclass(frozen=True)
class Asked:
    """The date and time a message asks for, in the business's zone."""

    day: date | None
    """The local date asked for, or None when only a time (or part of day) was said.

    With a clock time it is ``at``'s date: "kal raat 2 baje" is the night after tomorrow,
    02:00 the day after.
    """
    at: datetime | None
    """Aware, in the business zone, when a clock time was said."""
    part_of_day: str = ""
    """"morning" | "afternoon" | "evening" | "night" when said without a clock time."""
    words: str = ""
    """The words of the message that said it ("tomorrow at 5pm"), for the reply."""


def find_time(
    message: str, now: datetime, time_zone: str, opening: Sequence[Day] = ()
) -> Asked | None:
    """The date and/or time ``message`` asks for, ahead of ``now``, in ``time_zone``.

    ``opening`` (the business's weekly hours) settles a bare hour ("5 baje")
    to the reading inside them. None when the message names no day or time.
    """
    zone = ZoneInfo(time_zone)
    local_now = now.astimezone(zone)
    lowered = _lower(message)
    text = NOWADAYS.sub(lambda m: " " * len(m.group()), lowered)
    moment = _moment(text, local_now)
    if moment is not None:
        at, span = moment
        return Asked(at.date(), at, "", _words(message, [span]))
    day_spec, text = read_day(text)
    clock, text = read_clock(text)
    if clock is None and day_spec is not None:
        clock = hour_after_day(text, day_spec.span[1])
    part, part_span = read_part_of_day(lowered)
    if clock is None:
        return _without_clock(message, local_now, day_spec, part, part_span)
    if part and len(clock.readings) > 1:
        clock = Clock(cued(clock.readings, part), clock.span)
    at = _choose(clock, day_spec, local_now, opening, time_zone)
    spans = [clock.span] + ([day_spec.span] if day_spec else []) + ([part_span] if part else [])
    day = at.date() if day_spec else None
    return Asked(day, at, "", _words(message, spans))


def time_spans(message: str) -> list[tuple[int, int]]:
    """Where ``message`` says a day, a clock time or a moment, as offsets into ``message``.

    For readers of other numbers (quantities): the 3 of "kal 3 baje" is read
    here as a time, so it is never also "3 of something". The same readers as
    ``find_time``; no clock or zone is needed to know where a time is said.
    """
    lowered = _lower(message)
    text = NOWADAYS.sub(lambda m: " " * len(m.group()), lowered)
    moment = IN_A_WHILE.search(text)
    if moment:
        text = blank(text, moment.span())
    day_spec, text = read_day(text)
    clock, text = read_clock(text)
    if clock is None and day_spec is not None:
        clock = hour_after_day(text, day_spec.span[1])
    found = [moment.span()] if moment else []
    return found + [s.span for s in (day_spec, clock) if s is not None]


def _lower(message: str) -> str:
    """Lower case, one character for one character, so match offsets index ``message``."""
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in message)


def _words(message: str, spans: Sequence[tuple[int, int]]) -> str:
    start = min(s for s, _ in spans)
    end = max(e for _, e in spans)
    return message[start:end].strip(" ,.;!?")


def _without_clock(
    message: str,
    local_now: datetime,
    day_spec: DaySpec | None,
    part: str,
    part_span: tuple[int, int],
) -> Asked | None:
    if day_spec is None and not part:
        return None
    if day_spec is not None:
        day: date | None = day_spec.pick(local_now, None)
    else:
        day = None
    spans = ([day_spec.span] if day_spec else []) + ([part_span] if part else [])
    return Asked(day, None, part, _words(message, spans))


# --- the moment itself -------------------------------------------------------------------


def _moment(text: str, local_now: datetime) -> tuple[datetime, tuple[int, int]] | None:
    """A moment counted from now: "in 2 hours", "aadhe ghante mein", "abhi"."""
    found = IN_A_WHILE.search(text)
    if found:
        number = found["n"] or found["n2"]
        halves = found["half"] or found["half2"]
        amount = 0.5 if halves else float(number) if number else 1.0
        unit = found["unit"] or found["unit2"]
        hours = unit.startswith(("h", "g"))
        delta = timedelta(hours=amount) if hours else timedelta(minutes=amount)
        return (local_now.astimezone(UTC) + delta).astimezone(local_now.tzinfo), found.span()
    alone = NOW.search(text)
    if alone and not _has_other_time(blank(text, alone.span())):
        return local_now, alone.span()
    return None


def _has_other_time(text: str) -> bool:
    return read_day(text)[0] is not None or read_clock(text)[0] is not None


# --- putting day and clock together ------------------------------------------------------


def _choose(
    clock: Clock,
    day_spec: DaySpec | None,
    local_now: datetime,
    opening: Sequence[Day],
    time_zone: str,
) -> datetime:
    """The reading to take: ahead of now, then inside the hours, then the default."""
    candidates = [_resolve(reading, day_spec, local_now) for reading in clock.readings]

    def rank(index: int) -> tuple[bool, bool, int]:
        at = candidates[index]
        inside = not opening or is_open(opening, time_zone, at)
        return at <= local_now, not inside, index

    return candidates[min(range(len(candidates)), key=rank)]


def _resolve(reading: Reading, day_spec: DaySpec | None, local_now: datetime) -> datetime:
    if day_spec is not None:
        return local_at(day_spec.pick(local_now, reading), reading, local_now.tzinfo)
    ahead = 1 if passed_today(local_now, reading) else 0
    return local_at(local_now.date() + timedelta(days=ahead), reading, local_now.tzinfo)
