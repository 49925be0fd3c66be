"""Exact answers to hours questions: "Are you open on Sunday?", "kal khule ho?", "open at 9pm?".

The week's hours in one line answer "what are your timings?", but a customer
who asks about one day or one moment wants a yes or a no. This module reads the
day or moment with ``assistant.when`` and answers from the weekly hours alone,
in the business's zone, with when we open next when the answer is no. Pure: the
moment of the message comes with the request.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from b2a.assistant.when import find_time
from b2a.tenants.hours import (
    WEEKDAY_NAMES,
    Day,
    day_hours,
    is_open,
    open_spans,
    span_text,
    wall_clock,
)

_WHAT_TIME = r"\b(?:what\s+time|which\s+time|when|kitne\s+baje|kitny\s+baje|kis\s+time|kab)\b"
_CLOSING = re.compile(
    _WHAT_TIME
    + r".*\b(?:close|closes|closing|band)\b|\b(?:close|closing|band)\b.*"
    + _WHAT_TIME
    + r"|\b(?:till\s+when|until\s+when|kab\s+tak|how\s+late)\b"
)
_OPENING = re.compile(
    _WHAT_TIME + r".*\b(?:open|opens|opening|khul\w*)\b|\b(?:opening|khul\w*)\b.*" + _WHAT_TIME
)
_CLOSED = re.compile(r"\b(?:closed|close|band|chutti|chhutti|chuti)\b")
"""A yes/no question about being closed ("jumma ko band hai?"): yes means closed."""
_OPEN = re.compile(r"\b(?:open|khul\w*)\b")
_MOMENT_SLACK = timedelta(minutes=1)


def answer_hours(
    message: str, now: datetime | None, time_zone: str, opening: Sequence[Day]
) -> str | None:
    """The exact answer to an hours question about one day or moment, or None.

    None when the business set no hours, the moment of the message is unknown,
    or the message names no day or moment and asks no opening or closing time:
    then the week's hours are the answer.
    """
    if not opening or now is None:
        return None
    local_now = now.astimezone(ZoneInfo(time_zone))
    wants = _wants(message.lower())
    asked = find_time(message, now, time_zone, opening)
    if asked is not None and asked.at is not None and wants not in ("open", "close"):
        return _about_moment(asked.at, local_now, wants, time_zone, opening)
    day = asked.day if asked is not None else None
    if day is None and asked is not None and asked.at is not None:
        day = asked.at.date()
    if day is None:
        if wants not in ("open", "close"):
            return None
        day = local_now.date()
    return _about_day(day, wants, local_now, time_zone, opening)


def _wants(text: str) -> str:
    """What the question asks: the "close" or "open" time, "closed?" or (empty) "open?"."""
    if _CLOSING.search(text):
        return "close"
    if _OPENING.search(text):
        return "open"
    return "closed?" if _CLOSED.search(text) and not _OPEN.search(text) else ""


def _yes_no(wants: str) -> tuple[str, str]:
    """The answer words for "open" and for "closed": a question about closing flips them."""
    return ("No", "Yes") if wants == "closed?" else ("Yes", "No")


def _about_day(
    day: date, wants: str, local_now: datetime, time_zone: str, opening: Sequence[Day]
) -> str:
    label = _label(day, local_now.date())
    hours = day_hours(opening, day)
    is_open_word, closed_word = _yes_no(wants)
    if hours is None:
        head = "We are" if wants in ("open", "close") else f"{closed_word}, we are"
        return f"{head} closed {label}. {_next(opening, time_zone, day, local_now.date())}"
    closes = hours.closes
    finished = closes > hours.opens and local_now.time() >= closes
    if day == local_now.date() and finished:
        today = f"Today we were open {span_text(hours)}; we are closed now."
        return f"{today} {_next(opening, time_zone, day, local_now.date())}"
    if wants in ("open", "close") and span_text(hours) == "all day":
        return f"{_capital(label)} we are open all day."
    if wants in ("open", "close"):
        said = f"close at {closes:%H:%M}" if wants == "close" else f"open at {hours.opens:%H:%M}"
        return f"{_capital(label)} we {said} (we are open {span_text(hours)})."
    return f"{is_open_word}, {label} we are open {span_text(hours)}."


def _about_moment(
    at: datetime, local_now: datetime, wants: str, time_zone: str, opening: Sequence[Day]
) -> str:
    said_now = abs(at - local_now) < _MOMENT_SLACK
    when = (
        "now" if said_now else f"{_label(at.date(), local_now.date(), weekday=False)} at {at:%H:%M}"
    )
    spans = open_spans(opening, time_zone, at, 2)
    is_open_word, closed_word = _yes_no(wants)
    if is_open(opening, time_zone, at):
        # No "until" when the next day's hours start as these end (open round the clock).
        continuous = len(spans) == 2 and spans[1].opens == spans[0].closes
        until = f", until {spans[0].closes:%H:%M}" if spans and not continuous else ""
        return f"{is_open_word}, we are open {when}{until}."
    answer = f"{closed_word}, we are closed {when}."
    hours = day_hours(opening, at.date())
    if hours is not None and at.time() < hours.opens:
        label = _label(at.date(), local_now.date(), weekday=False)
        return f"{answer} {_capital(label)} we are open {span_text(hours)}."
    if spans:
        label = _label(spans[0].opens.date(), local_now.date(), weekday=False)
        return f"{answer} We open again {label} at {spans[0].opens:%H:%M}."
    return answer


def _next(opening: Sequence[Day], time_zone: str, day: date, today: date) -> str:
    """When we are open next after the closed (or finished) ``day``."""
    after = wall_clock(day + timedelta(days=1), time(0), ZoneInfo(time_zone))
    spans = open_spans(opening, time_zone, after, 1)
    if not spans:
        return ""
    following = spans[0].opens.date()
    hours = day_hours(opening, following)
    if hours is None:
        return ""
    return f"Next we are open {_label(following, today)}: {span_text(hours)}."


def _label(day: date, today: date, *, weekday: bool = True) -> str:
    """How a reply names a date: "today", "tomorrow (Saturday)", "on Monday", "on Monday 21 Dec"."""
    name = WEEKDAY_NAMES[day.weekday()]
    gap = (day - today).days
    if gap in (0, 1):
        word = "today" if gap == 0 else "tomorrow"
        return f"{word} ({name})" if weekday else word
    if 0 < gap < 7:
        return f"on {name}"
    return f"on {name} {day.day} {day:%b}"


def _capital(label: str) -> str:
    return label[0].upper() + label[1:]
