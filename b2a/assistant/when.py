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
   afternoon for 1–7 and morning for 8–12.
3. A part of day without a clock ("tomorrow evening") keeps ``part_of_day``
   and leaves ``at`` None: which hour of the evening is the customer's to say.

Local times follow PEP 495 (``fold=0``) and are normalised through UTC: a
local time that does not exist (skipped by a spring-forward change) moves
forward by the gap (02:30 on a New York spring-forward day is 03:30 EDT), and
an ambiguous one (repeated by a fall-back change) is the first occurrence.

Bare numbers are never times: prices ("5000"), quantities ("2 haircuts"),
phone numbers and "24/7" need a cue (a suffix, a colon, "at", a part of day).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from b2a.tenants.hours import Day, is_open

PARTS_OF_DAY = ("morning", "afternoon", "evening", "night")


@dataclass(frozen=True)
class Asked:
    """The date and time a message asks for, in the business's zone."""

    day: date | None
    """The local date asked for, or None when only a time (or part of day) was said."""
    at: datetime | None
    """Aware, in the business zone, when a clock time was said."""
    part_of_day: str = ""
    """"morning" | "afternoon" | "evening" | "night" when said without a clock time."""
    words: str = ""
    """The words of the message that said it ("tomorrow at 5pm"), for the reply."""


# A clock reading: hour (0–23), minute, days after the day it belongs to ("raat 2 baje"
# is the night after that day).
_Reading = tuple[int, int, int]


@dataclass(frozen=True)
class _Clock:
    readings: tuple[_Reading, ...]
    """Possible readings, the default first; one when am/pm, 24-hour or a cue settles it."""
    span: tuple[int, int]


@dataclass(frozen=True)
class _DaySpec:
    pick: Callable[[datetime, _Reading | None], date]
    """The date, from the local now and the clock reading (weekdays need the time)."""
    span: tuple[int, int]
    explicit: bool = True


_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
_URDU_NUMBERS = {
    "ek": 1, "aik": 1, "do": 2, "teen": 3, "tin": 3, "char": 4, "chaar": 4, "panch": 5,
    "paanch": 5, "chay": 6, "chey": 6, "chhe": 6, "che": 6, "saat": 7, "sat": 7, "aath": 8,
    "ath": 8, "nau": 9, "das": 10, "dus": 10, "gyarah": 11, "giyarah": 11, "gyara": 11,
    "barah": 12, "bara": 12, "baara": 12,
}  # fmt: skip
_FRACTIONS = {"saade": 30, "sade": 30, "sarhe": 30, "saarhe": 30, "sawa": 15, "sava": 15}
_BEFORE = ("paune", "pone", "pauney", "pony")
_HALVES = {"dhai": (2, 30), "dhaai": (2, 30), "dedh": (1, 30), "derh": (1, 30)}

_PART_WORDS = {
    "morning": "morning", "subah": "morning", "subha": "morning", "suba": "morning",
    "subh": "morning", "sobah": "morning", "savere": "morning", "sawere": "morning",
    "afternoon": "afternoon", "dopahar": "afternoon", "dopehar": "afternoon",
    "dophar": "afternoon", "dopher": "afternoon", "dupahar": "afternoon", "dupehar": "afternoon",
    "dopaher": "afternoon", "evening": "evening", "shaam": "evening", "sham": "evening",
    "shām": "evening", "night": "night", "raat": "night", "rat": "night", "tonight": "night",
    "tonite": "night",
}  # fmt: skip

_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4,
    "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11,
    "dec": 12, "december": 12,
}  # fmt: skip
_WEEKDAYS = {
    "monday": 0, "mon": 0, "somwar": 0, "peer": 0, "pir": 0, "tuesday": 1, "tue": 1,
    "tues": 1, "mangal": 1, "wednesday": 2, "wed": 2, "budh": 2, "thursday": 3, "thu": 3,
    "thur": 3, "thurs": 3, "jumerat": 3, "jumeraat": 3, "friday": 4, "fri": 4, "juma": 4,
    "jumma": 4, "jummah": 4, "jumah": 4, "saturday": 5, "sat": 5, "hafta": 5, "haftay": 5,
    "sunday": 6, "sun": 6, "itwar": 6, "itwaar": 6, "etwar": 6, "atwar": 6,
}  # fmt: skip
_WEEKDAYS_IN_CONTEXT = frozenset(("peer", "pir", "sat", "sun", "hafta", "haftay", "mangal"))
"""Weekday names that are also ordinary words ("sun lo", "sat log", "peer"): only with
"on", "next", "this" before them or "ko" after them."""

_RELATIVE = {
    "day after tomorrow": 2, "overmorrow": 2, "parson": 2, "parso": 2, "parsun": 2,
    "parsoon": 2, "parsön": 2, "aaj": 0, "aj": 0, "today": 0, "2day": 0, "tonight": 0,
    "tonite": 0, "kal": 1, "kl": 1, "tomorrow": 1, "tmrw": 1, "tmr": 1, "tomorow": 1,
    "tommorow": 1, "tommorrow": 1, "tomoro": 1, "tomm": 1,
}  # fmt: skip


def _alternation(words: Iterable[str]) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


_NOT_AFTER_DIGIT = r"(?<![\d.,:/\-+])"
_NOT_BEFORE_DIGIT = r"(?![\d/:\-]|[.,]\d)"
_HOUR = r"(?P<h>\d{1,2}" + "|" + _alternation(_NUMBER_WORDS) + r")"
_MINUTES = r"(?:[:.](?P<m>[0-5]\d))?"
_FRACTION = r"(?:(?P<frac>" + _alternation((*_FRACTIONS, *_BEFORE)) + r")\s+)?"
_NO_QUANTITY = (
    r"(?!\s*(?:%|percent|rs\b|pkr|rupe|kg|g\b|gm|grams?|dozen|pcs|pieces?|items?|log\b|people|"
    r"persons?|bande|banday|x\b|hours?|hrs?\b|ghant|minutes?|mins?\b|din\b|days?\b|weeks?\b))"
)
_PART = r"(?P<part>" + _alternation(_PART_WORDS) + r")"

_AMPM = re.compile(
    r"\b" + _FRACTION + _NOT_AFTER_DIGIT + _HOUR + _MINUTES + r"\s*(?P<ampm>[ap])\.?\s?m\b\.?"
)
_BAJE = re.compile(
    r"\b"
    + _FRACTION
    + _NOT_AFTER_DIGIT
    + r"(?P<h>\d{1,2}|"
    + _alternation({**_NUMBER_WORDS, **_URDU_NUMBERS, **_HALVES})
    + r")"
    + _MINUTES
    + r"\s*(?:baje|bajay|bajey|baji|bje|bjy|bjay|bajy|baj|o\s?'?\s?clock)\b"
)
_COLON = re.compile(_NOT_AFTER_DIGIT + r"\b(?P<h>[01]?\d|2[0-3]):(?P<m>[0-5]\d)(?![\d:])")
_PART_HOUR = re.compile(
    r"\b"
    + _PART
    + r"\s+(?:(?:ko|ke|at|main|mein|me|mai)\s+)?"
    + _FRACTION
    + r"(?P<h>\d{1,2})"
    + _MINUTES
    + _NOT_BEFORE_DIGIT
    + _NO_QUANTITY
)
_AT_HOUR = re.compile(
    r"(?:\b(?:at|around|arround)\s+|@\s*)"
    + _FRACTION
    + _HOUR
    + _MINUTES
    + r"\b"
    + _NOT_BEFORE_DIGIT
    + _NO_QUANTITY
)
_NOON = re.compile(r"\b(?:12\s*)?(?P<word>noon|midday|midnight)\b")

_DAY_FIRST = re.compile(
    _NOT_AFTER_DIGIT
    + r"\b(?P<d>[0-3]?\d)(?:st|nd|rd|th)?(?:\s*of)?[\s\-]*(?P<mon>"
    + _alternation(_MONTHS)
    + r")\b\.?(?:,?\s*(?P<y>20\d\d)\b)?"
)
_MONTH_FIRST = re.compile(
    r"\b(?P<mon>"
    + _alternation(k for k in _MONTHS if k != "may")
    + r")\.?\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?\b(?![:.]\d)(?!\s*(?:[ap]\.?m\b|baje|bje))"
    + r"(?:,?\s*(?P<y>20\d\d)\b)?"
)
_NUMERIC_DATE = re.compile(
    _NOT_AFTER_DIGIT
    + r"\b(?P<d>[0-3]?\d)(?:/(?P<mo>[01]?\d)(?:/(?P<y>(?:20)?\d\d))?"
    + r"|(?P<sep>[\-.])(?P<mo2>[01]?\d)(?P=sep)(?P<y2>(?:20)?\d\d))(?![\d/:\-]|[.,]\d)"
)
_ORDINAL = re.compile(
    r"\bon\s+(?:the\s+)?(?P<d>[0-3]?\d)(?:st|nd|rd|th)\b"
    r"|\b(?P<d2>[0-3]?\d)(?:st|nd|rd|th)?\s+(?:ko\s+)?(?:tareekh|tarikh|tarik|tareek)\b"
    r"|\b(?P<d3>[0-3]?\d)(?:st|nd|rd|th)\s+ko\b"
)
_FRACTIONS_NOT_DATES = frozenset(("1/2", "1/3", "2/3", "1/4", "3/4", "24/7"))

_RELATIVE_DAY = re.compile(r"\b(?P<rel>" + _alternation(_RELATIVE) + r")\b")
_NOWADAYS = re.compile(r"\b(?:aaj|aj)\s*(?:kal|kl)\b")
_WEEKDAY = re.compile(
    r"\b(?:(?P<mod>next|agle|agla|agli|agly|aglay|this|is|coming|upcoming|on)\s+)?"
    r"(?P<wd>" + _alternation(_WEEKDAYS) + r")\b\.?(?P<ko>\s+ko\b)?"
)
_PART_ALONE = re.compile(r"\b" + _PART + r"\b")
_IN_A_WHILE = re.compile(
    r"\b(?:in|within)\s+(?:(?P<n>\d{1,3})|(?P<half>half\s+an?|aadha)|an?|one)\s*"
    r"(?P<unit>hours?|hrs?|minutes?|mins?)\b"
    r"|\b(?:(?P<n2>\d{1,3})|(?P<half2>aadhe|adhe|aadha|adha)|ek|aik)\s*"
    r"(?P<unit2>ghante|ghanta|ghantay|ghantey|ghanton|minute|minat|mint|mins?)\s*"
    r"(?:mein|me|main|mai|mn|baad|bad)\b"
)
_NOW = re.compile(r"\b(?:right\s+now|abhi|abi|abhie|now|isi\s+waqt|filhal)\b")


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
    text = _NOWADAYS.sub(lambda m: " " * len(m.group()), lowered)
    moment = _moment(text, local_now)
    if moment is not None:
        at, span = moment
        return Asked(at.date(), at, "", _words(message, [span]))
    day_spec, text = _day(text)
    clock, text = _clock(text)
    part, part_span = _part_of_day(lowered)
    if clock is None:
        return _without_clock(message, local_now, day_spec, part, part_span)
    if part and len(clock.readings) > 1:
        clock = _Clock(_cued(clock.readings, part), clock.span)
    at = _choose(clock, day_spec, local_now, opening, time_zone)
    spans = [clock.span] + ([day_spec.span] if day_spec else []) + ([part_span] if part else [])
    day = at.date() if day_spec else None
    return Asked(day, at, "", _words(message, spans))


def _lower(message: str) -> str:
    """Lower case, one character for one character, so match offsets index ``message``."""
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in message)


def _blank(text: str, span: tuple[int, int]) -> str:
    """``text`` with ``span`` spaced out, so a later pattern cannot read it again."""
    start, end = span
    return text[:start] + " " * (end - start) + text[end:]


def _words(message: str, spans: Sequence[tuple[int, int]]) -> str:
    start = min(s for s, _ in spans)
    end = max(e for _, e in spans)
    return message[start:end].strip(" ,.;!?")


def _without_clock(
    message: str,
    local_now: datetime,
    day_spec: _DaySpec | None,
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
    found = _IN_A_WHILE.search(text)
    if found:
        number = found["n"] or found["n2"]
        halves = found["half"] or found["half2"]
        amount = 0.5 if halves else float(number) if number else 1.0
        unit = found["unit"] or found["unit2"]
        hours = unit.startswith(("h", "g"))
        delta = timedelta(hours=amount) if hours else timedelta(minutes=amount)
        return _normal(local_now + delta, local_now.tzinfo), found.span()
    alone = _NOW.search(text)
    if alone and not _has_other_time(_blank(text, alone.span())):
        return local_now, alone.span()
    return None


def _has_other_time(text: str) -> bool:
    return _day(text)[0] is not None or _clock(text)[0] is not None


def _normal(local: datetime, zone: object) -> datetime:
    """A wall-clock datetime made real: gaps move forward, repeats take the first."""
    assert isinstance(zone, ZoneInfo)
    return local.replace(fold=0).astimezone(UTC).astimezone(zone)


# --- the day -----------------------------------------------------------------------------


def _day(text: str) -> tuple[_DaySpec | None, str]:
    """The day the text names, most explicit first, and the text with it blanked."""
    for finder in (_explicit_date, _ordinal_day, _relative_day, _weekday):
        spec = finder(text)
        if spec is not None:
            return spec, _blank(text, spec.span)
    return None, text


def _explicit_date(text: str) -> _DaySpec | None:
    for found in _DAY_FIRST.finditer(text):
        spec = _dated(int(found["d"]), _MONTHS[found["mon"]], found["y"], found.span())
        if spec:
            return spec
    for found in _MONTH_FIRST.finditer(text):
        spec = _dated(int(found["d"]), _MONTHS[found["mon"]], found["y"], found.span())
        if spec:
            return spec
    for found in _NUMERIC_DATE.finditer(text):
        if found.group().strip() in _FRACTIONS_NOT_DATES:
            continue
        month = found["mo"] or found["mo2"]
        if month is None:
            continue
        spec = _dated(int(found["d"]), int(month), found["y"] or found["y2"], found.span())
        if spec:
            return spec
    return None


def _dated(day: int, month: int, year: str | None, span: tuple[int, int]) -> _DaySpec | None:
    """A calendar date; without a year, the next time that date comes round."""
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return None
    if year is not None:
        full = int(year) + (2000 if len(year) == 2 else 0)
        try:
            fixed = date(full, month, day)
        except ValueError:
            return None
        return _DaySpec(lambda _now, _reading: fixed, span)
    if not any(_valid(y, month, day) for y in (2024, 2025, 2026, 2027)):
        return None

    def pick(local_now: datetime, _reading: _Reading | None) -> date:
        today = local_now.date()
        for year_ahead in range(9):
            candidate = _valid(today.year + year_ahead, month, day)
            if candidate and candidate >= today:
                return candidate
        raise AssertionError("a valid day and month recurs within eight years")

    return _DaySpec(pick, span)


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _ordinal_day(text: str) -> _DaySpec | None:
    """The next such day of a month: "on the 12th", "12 tareekh ko"."""
    found = _ORDINAL.search(text)
    if found is None:
        return None
    day = int(found["d"] or found["d2"] or found["d3"])
    if not 1 <= day <= 31:
        return None

    def pick(local_now: datetime, _reading: _Reading | None) -> date:
        today = local_now.date()
        for months_ahead in range(3):
            month_index = today.month - 1 + months_ahead
            candidate = _valid(today.year + month_index // 12, month_index % 12 + 1, day)
            if candidate and candidate >= today:
                return candidate
        raise AssertionError("every day of the month recurs within three months")

    return _DaySpec(pick, found.span())


def _relative_day(text: str) -> _DaySpec | None:
    found = _RELATIVE_DAY.search(text)
    if found is None:
        return None
    ahead = _RELATIVE[found["rel"]]
    return _DaySpec(lambda local_now, _r: local_now.date() + timedelta(days=ahead), found.span())


def _weekday(text: str) -> _DaySpec | None:
    for found in _WEEKDAY.finditer(text):
        name, modifier = found["wd"], found["mod"]
        if name in _WEEKDAYS_IN_CONTEXT and not (modifier or found["ko"]):
            continue
        weekday = _WEEKDAYS[name]
        strictly_next = modifier in ("next", "agle", "agla", "agli", "agly", "aglay")

        def pick(
            local_now: datetime,
            reading: _Reading | None,
            weekday: int = weekday,
            strictly_next: bool = strictly_next,
        ) -> date:
            ahead = (weekday - local_now.weekday()) % 7
            if ahead == 0 and (strictly_next or _passed(local_now, reading)):
                ahead = 7
            return local_now.date() + timedelta(days=ahead)

        return _DaySpec(pick, (found.start(), found.end("wd")))
    return None


def _passed(local_now: datetime, reading: _Reading | None) -> bool:
    """Whether today's ``reading`` is already over (no reading: the day is still on)."""
    if reading is None:
        return False
    return _at(local_now.date(), reading, local_now.tzinfo) <= local_now


# --- the clock ---------------------------------------------------------------------------


def _clock(text: str) -> tuple[_Clock | None, str]:
    """The clock time the text says, strongest cue first, and the text with it blanked."""
    for pattern in (_AMPM, _BAJE, _COLON, _PART_HOUR, _AT_HOUR):
        for found in pattern.finditer(text):
            clock = _read(found)
            if clock is not None:
                return clock, _blank(text, _hour_span(found))
    noon = _NOON.search(text)
    if noon:
        reading = (0, 0, 1) if noon["word"] == "midnight" else (12, 0, 0)
        return _Clock((reading,), noon.span()), _blank(text, noon.span())
    return None, text


def _hour_span(found: re.Match[str]) -> tuple[int, int]:
    """The match without a leading part of day, which stays for ``_part_of_day``."""
    if "part" in found.re.groupindex and found["part"]:
        return found.end("part"), found.end()
    return found.span()


def _read(found: re.Match[str]) -> _Clock | None:
    groups = found.groupdict()
    hour, minute = _hour_and_minute(found["h"], groups.get("m"), groups.get("frac"))
    if hour is None:
        return None
    ampm = groups.get("ampm")
    if ampm:
        if not 1 <= hour <= 12:
            return _Clock(((hour, minute, 0),), found.span()) if hour < 24 else None
        return _Clock(((hour % 12 + (12 if ampm == "p" else 0), minute, 0),), found.span())
    if hour > 23:
        return None
    if hour == 0 or hour > 12 or (found.re is _COLON and found["h"].startswith("0")):
        return _Clock(((hour, minute, 0),), found.span())
    return _Clock(_readings(hour, minute), found.span())


def _hour_and_minute(
    said: str, minutes: str | None, fraction: str | None
) -> tuple[int | None, int]:
    if said in _HALVES:
        return _HALVES[said]
    hour = int(said) if said.isdigit() else _NUMBER_WORDS.get(said, _URDU_NUMBERS.get(said))
    if hour is None:
        return None, 0
    minute = int(minutes) if minutes else 0
    if fraction in _FRACTIONS:
        minute = _FRACTIONS[fraction]
    elif fraction in _BEFORE:
        hour, minute = (hour - 1) % 12 or 12, 45
    return hour, minute


def _readings(hour: int, minute: int) -> tuple[_Reading, ...]:
    """Both readings of an hour 1–12, the default first: afternoon for 1–7, else morning."""
    morning, afternoon = (hour % 12, minute, 0), (hour % 12 + 12, minute, 0)
    if 1 <= hour <= 7 or hour == 12:
        return afternoon, morning
    return morning, afternoon


def _cued(readings: tuple[_Reading, ...], part: str) -> tuple[_Reading, ...]:
    """The one reading a part of day allows ("raat 2 baje" is 02:00 the night after)."""
    hour, minute = readings[0][0] % 12 or 12, readings[0][1]
    if part == "morning":
        return ((hour, minute, 0),)
    if part == "afternoon":
        return ((hour if hour >= 8 and hour != 12 else hour % 12 + 12, minute, 0),)
    if part == "evening":
        return ((hour % 12 + 12, minute, 0),)
    if hour == 12 or hour < 5:
        return ((hour % 12, minute, 1),)
    return ((hour % 12 + 12, minute, 0),)


def _part_of_day(text: str) -> tuple[str, tuple[int, int]]:
    found = _PART_ALONE.search(text)
    if found is None:
        return "", (0, 0)
    return _PART_WORDS[found["part"]], found.span()


# --- putting day and clock together ------------------------------------------------------


def _choose(
    clock: _Clock,
    day_spec: _DaySpec | None,
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


def _resolve(reading: _Reading, day_spec: _DaySpec | None, local_now: datetime) -> datetime:
    if day_spec is not None:
        return _at(day_spec.pick(local_now, reading), reading, local_now.tzinfo)
    today = _at(local_now.date(), reading, local_now.tzinfo)
    if today > local_now:
        return today
    return _at(local_now.date() + timedelta(days=1), reading, local_now.tzinfo)


def _at(day: date, reading: _Reading, zone: object) -> datetime:
    hour, minute, later = reading
    wall = datetime.combine(day + timedelta(days=later), time(hour, minute))
    assert isinstance(zone, ZoneInfo)
    return _normal(wall.replace(tzinfo=zone), zone)
