"""The day a message names: a date, "on the 12th", "kal", a weekday."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from b2a.assistant.when._clock import Reading, blank, passed_today, read_clock
from b2a.assistant.when._vocabulary import (
    DAY_FIRST,
    FRACTIONS_NOT_DATES,
    ISO_DATE,
    MONTH_FIRST,
    MONTHS,
    NUMERIC_DATE,
    ORDINAL,
    RELATIVE,
    RELATIVE_DAY,
    TIME_FOLLOWS,
    WEEKDAY,
    WEEKDAYS,
    WEEKDAYS_IN_CONTEXT,
    WEEKDAYS_WITH_KO,
    YESTERDAY,
)


@dataclass(frozen=True)
class DaySpec:
    """A day the message named, resolved once the clock reading is known."""

    pick: Callable[[datetime, Reading | None], date]
    """The date, from the local now and the clock reading (weekdays need the time)."""
    span: tuple[int, int]


def read_day(text: str) -> tuple[DaySpec | None, str]:
    """The day the text names, most explicit first, and the text with it blanked."""
    for finder in (_explicit_date, _ordinal_day, _relative_day, _weekday):
        spec = finder(text)
        if spec is not None:
            return spec, blank(text, spec.span)
    return None, text


def _explicit_date(text: str) -> DaySpec | None:
    for pattern in (ISO_DATE, DAY_FIRST, MONTH_FIRST, NUMERIC_DATE):
        for found in pattern.finditer(text):
            spec = _date_of(found, text)
            if spec:
                return spec
    return None


def _date_of(found: re.Match[str], text: str) -> DaySpec | None:
    """The date a pattern matched, unless it is a fraction or no calendar date."""
    groups = found.groupdict()
    if groups.get("mon"):
        month = MONTHS[found["mon"]]
    else:
        said = groups.get("mo") or groups.get("mo2")
        if said is None or _fraction(found.group().strip(), blank(text, found.span())):
            return None
        month = int(said)
    return _dated(int(found["d"]), month, groups.get("y") or groups.get("y2"), found.span())


def _fraction(said: str, rest: str) -> bool:
    """Not a date: "24/7", "1/2" (kg), unless a clock says it is one ("1/2 at 5pm")."""
    return said in FRACTIONS_NOT_DATES and read_clock(rest)[0] is None


def _dated(day: int, month: int, year: str | None, span: tuple[int, int]) -> DaySpec | None:
    """A calendar date; without a year, the next time that date comes round."""
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return None
    if year is not None:
        full = int(year) + (2000 if len(year) == 2 else 0)
        try:
            fixed = date(full, month, day)
        except ValueError:
            return None
        return DaySpec(lambda _now, _reading: fixed, span)
    if not any(_valid(y, month, day) for y in (2024, 2025, 2026, 2027)):
        return None

    def pick(local_now: datetime, _reading: Reading | None) -> date:
        today = local_now.date()
        for year_ahead in range(9):
            candidate = _valid(today.year + year_ahead, month, day)
            if candidate and candidate >= today:
                return candidate
        raise AssertionError("a valid day and month recurs within eight years")

    return DaySpec(pick, span)


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _ordinal_day(text: str) -> DaySpec | None:
    """The next such day of a month: "on the 12th", "12 tareekh ko"."""
    found = ORDINAL.search(text)
    if found is None:
        return None
    day = int(found["d"] or found["d2"] or found["d3"] or found["d4"])
    if not 1 <= day <= 31:
        return None

    def pick(local_now: datetime, _reading: Reading | None) -> date:
        today = local_now.date()
        for months_ahead in range(3):
            month_index = today.month - 1 + months_ahead
            candidate = _valid(today.year + month_index // 12, month_index % 12 + 1, day)
            if candidate and candidate >= today:
                return candidate
        raise AssertionError("every day of the month recurs within three months")

    return DaySpec(pick, found.span())


def _relative_day(text: str) -> DaySpec | None:
    for found in RELATIVE_DAY.finditer(text):
        if found["rel"] in ("kal", "kl") and YESTERDAY.match(text, found.end()):
            continue
        return DaySpec(_days_from_today(RELATIVE[found["rel"]]), found.span())
    return None


def _days_from_today(ahead: int) -> Callable[[datetime, Reading | None], date]:
    return lambda local_now, _reading: local_now.date() + timedelta(days=ahead)


def _weekday(text: str) -> DaySpec | None:
    for found in WEEKDAY.finditer(text):
        name, modifier = found["wd"], found["mod"]
        said_as_day = modifier or found["ko"] or TIME_FOLLOWS.match(text, found.end())
        if (name in WEEKDAYS_IN_CONTEXT and not said_as_day) or (
            name in WEEKDAYS_WITH_KO and not found["ko"]
        ):
            continue
        weekday = WEEKDAYS[name]
        strictly_next = modifier in ("next", "agle", "agla", "agli", "agly", "aglay")

        def pick(
            local_now: datetime,
            reading: Reading | None,
            weekday: int = weekday,
            strictly_next: bool = strictly_next,
        ) -> date:
            ahead = (weekday - local_now.weekday()) % 7
            if ahead == 0 and (strictly_next or _passed(local_now, reading)):
                ahead = 7
            return local_now.date() + timedelta(days=ahead)

        return DaySpec(pick, (found.start(), found.end("wd")))
    return None


def _passed(local_now: datetime, reading: Reading | None) -> bool:
    """Whether today's ``reading`` is already over (no reading: the day is still on)."""
    return reading is not None and passed_today(local_now, reading)
