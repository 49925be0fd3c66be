"""The clock a message says: am/pm, "baje", "17:00", "sham 7", "at 11", and its readings."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from b2a.assistant.when._vocabulary import (
    AFTER_DAY,
    AMPM,
    AT_HOUR,
    BAJE,
    BEFORE,
    COLON,
    FRACTIONS,
    HALVES,
    NOON,
    NUMBER_WORDS,
    PART_ALONE,
    PART_HOUR,
    PART_WORDS,
    PAST,
    RANGE,
    URDU_NUMBERS,
)
from b2a.tenants.hours import wall_clock

# A clock reading: hour (0–23), minute, days after the day it belongs to ("raat 2 baje"
# is the night after that day).
Reading = tuple[int, int, int]


@dataclass(frozen=True)
class Clock:
    """A clock time the message said, with where it said it."""

    readings: tuple[Reading, ...]
    """Possible readings, the default first; one when am/pm, 24-hour or a cue settles it."""
    span: tuple[int, int]


def blank(text: str, span: tuple[int, int]) -> str:
    """``text`` with ``span`` spaced out, so a later pattern cannot read it again."""
    start, end = span
    return text[:start] + " " * (end - start) + text[end:]


def local_at(day: date, reading: Reading, zone: object) -> datetime:
    """The aware moment of ``reading`` on ``day`` (DST gaps forward, repeats first)."""
    hour, minute, later = reading
    assert isinstance(zone, ZoneInfo)
    return wall_clock(day + timedelta(days=later), time(hour, minute), zone)


def passed_today(local_now: datetime, reading: Reading) -> bool:
    """Whether today's ``reading`` is over, on the wall clock.

    By the wall clock, not the instant: 02:05 on a spring-forward day (skipped,
    so 03:05) has passed at 03:00, and the customer means the next 02:05.
    """
    hour, minute, later = reading
    wall = datetime.combine(local_now.date() + timedelta(days=later), time(hour, minute))
    return wall <= local_now.replace(tzinfo=None)


def read_clock(text: str) -> tuple[Clock | None, str]:
    """The clock time the text says, strongest cue first, and the text with it blanked."""
    span = RANGE.search(text)
    if span and (span["start"] or span["ampm"] or span["baje"]):
        clock = _read_range(span)
        if clock is not None:
            return clock, blank(text, span.span())
    for pattern in (AMPM, BAJE, COLON, PART_HOUR, AT_HOUR):
        for found in pattern.finditer(text):
            clock = _read(found)
            if clock is not None:
                return clock, blank(text, _hour_span(found))
    past = PAST.search(text)
    if past:
        hour = _hour_and_minute(past["h"], None, None)[0] or 12
        if hour <= 12:
            minute = 30 if past["q"] == "half" else 15 if past["dir"] == "past" else 45
            hour = hour if past["dir"] == "past" else (hour - 1) % 12 or 12
            return Clock(_readings(hour, minute), past.span()), blank(text, past.span())
    noon = NOON.search(text)
    if noon:
        reading = (0, 0, 1) if noon["word"] == "midnight" else (12, 0, 0)
        return Clock((reading,), noon.span()), blank(text, noon.span())
    return None, text


def _read_range(found: re.Match[str]) -> Clock | None:
    """The start of "5-6pm" (17:00), "11-1pm" (11:00), "11-12pm" (11:00), "from 3 to 5"."""
    hour, minute, end = int(found["h"]), int(found["m"] or 0), int(found["h2"])
    if not (1 <= hour <= 12 and 1 <= end <= 12):
        return None if hour > 23 or end > 24 else Clock(((hour, minute, 0),), found.span())
    if not found["ampm"]:
        return Clock(_readings(hour, minute), found.span())
    afternoon = found["ampm"] == "p"
    if hour != 12 and (hour > end or end == 12):
        afternoon = not afternoon  # the span crosses noon: "11-1pm" starts in the morning
    return Clock(((hour % 12 + (12 if afternoon else 0), minute, 0),), found.span())


def hour_after_day(text: str, end: int) -> Clock | None:
    """A bare hour right after the day ending at ``end`` ("kal 5?"), when it ends the phrase."""
    found = AFTER_DAY.match(text, end)
    return _read(found) if found else None


def _hour_span(found: re.Match[str]) -> tuple[int, int]:
    """The match without a leading part of day, which stays for ``read_part_of_day``."""
    if "part" in found.re.groupindex and found["part"]:
        return found.end("part"), found.end()
    return found.span()


def _read(found: re.Match[str]) -> Clock | None:
    groups = found.groupdict()
    hour, minute = _hour_and_minute(found["h"], groups.get("m"), groups.get("frac"))
    if hour is None:
        return None
    ampm = groups.get("ampm")
    if ampm:
        if not 1 <= hour <= 12:
            return Clock(((hour, minute, 0),), found.span()) if hour < 24 else None
        return Clock(((hour % 12 + (12 if ampm == "p" else 0), minute, 0),), found.span())
    if hour > 23:
        return None
    # "17:00", "09:30", "10:30": two digits before a colon are the 24-hour clock.
    if hour == 0 or hour > 12 or (found.re is COLON and len(found["h"]) == 2):
        return Clock(((hour, minute, 0),), found.span())
    return Clock(_readings(hour, minute), found.span())


def _hour_and_minute(
    said: str, minutes: str | None, fraction: str | None
) -> tuple[int | None, int]:
    if said in HALVES:
        return HALVES[said]
    hour = int(said) if said.isdigit() else NUMBER_WORDS.get(said, URDU_NUMBERS.get(said))
    if hour is None:
        return None, 0
    minute = int(minutes) if minutes else 0
    if fraction in FRACTIONS:
        minute = FRACTIONS[fraction]
    elif fraction in BEFORE:
        hour, minute = (hour - 1) % 12 or 12, 45
    return hour, minute


def _readings(hour: int, minute: int) -> tuple[Reading, ...]:
    """Both readings of an hour 1–12, the default first: afternoon for 1–7, else morning."""
    morning, afternoon = (hour % 12, minute, 0), (hour % 12 + 12, minute, 0)
    if 1 <= hour <= 7 or hour == 12:
        return afternoon, morning
    return morning, afternoon


def cued(readings: tuple[Reading, ...], part: str) -> tuple[Reading, ...]:
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


def read_part_of_day(text: str) -> tuple[str, tuple[int, int]]:
    """The first part of day said ("subah" is "morning") and where; ("", (0, 0)) when none."""
    found = PART_ALONE.search(text)
    if found is None:
        return "", (0, 0)
    return PART_WORDS[found["part"]], found.span()
