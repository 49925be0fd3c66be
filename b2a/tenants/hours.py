"""Opening hours: whether the business is open at a moment, in its own time zone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from b2a.db.sql import Statement
from b2a.tenants.scope import TenantScope

# Read by every assistant turn and every reply step: hand-written, not built by Piccolo.
_DAYS = Statement("SELECT weekday, opens, closes, closed FROM working_hours WHERE tenant = :tenant")


@dataclass(frozen=True)
class Day:
    """One weekday's hours (0 = Monday); ``closes`` at or before ``opens`` runs past midnight."""

    weekday: int
    opens: time
    closes: time
    closed: bool = False


def is_open(days: Iterable[Day], time_zone: str, at: datetime) -> bool:
    """Open at ``at``? A business that set no hours at all is always open."""
    by_weekday = {day.weekday: day for day in days}
    if not by_weekday:
        return True
    local = at.astimezone(ZoneInfo(time_zone))
    today = by_weekday.get(local.weekday())
    now = local.time()
    if today and not today.closed and _within(today, now, same_day=True):
        return True
    yesterday = by_weekday.get((local.weekday() - 1) % 7)
    return bool(yesterday and not yesterday.closed and _within(yesterday, now, same_day=False))


WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def describe(days: Iterable[Day]) -> str:
    """Opening hours in words, consecutive weekdays with equal hours grouped.

    ``Mon-Fri 09:00-17:00; Sat 10:00-14:00; Sun closed``; empty when no hours are set.
    """
    by_weekday = {day.weekday: day for day in days}
    if not by_weekday:
        return ""
    spans: list[tuple[int, int, str]] = []
    for weekday in range(7):
        day = by_weekday.get(weekday)
        hours = "closed" if day is None or day.closed else f"{day.opens:%H:%M}-{day.closes:%H:%M}"
        if spans and spans[-1][2] == hours and spans[-1][1] == weekday - 1:
            spans[-1] = (spans[-1][0], weekday, hours)
        else:
            spans.append((weekday, weekday, hours))
    parts = []
    for first, last, hours in spans:
        names = WEEKDAY_NAMES[first][:3]
        if last != first:
            names += ("-" if last > first + 1 else ", ") + WEEKDAY_NAMES[last][:3]
        parts.append(f"{names} {hours}")
    return "; ".join(parts)


def next_opening(days: Iterable[Day], time_zone: str, at: datetime) -> datetime | None:
    """When the business next opens, in its time zone; None while open or with no hours set."""
    days = list(days)
    if is_open(days, time_zone, at):
        return None
    by_weekday = {day.weekday: day for day in days if not day.closed}
    local = at.astimezone(ZoneInfo(time_zone))
    for ahead in range(8):
        date = (local + timedelta(days=ahead)).date()
        day = by_weekday.get(date.weekday())
        if day is None:
            continue
        opening = datetime.combine(date, day.opens, tzinfo=local.tzinfo)
        if opening > local:
            return opening
    return None


def humans_back(days: Iterable[Day], time_zone: str, at: datetime) -> str:
    """When the team is back ("Monday 09:00", "today 14:00", "tomorrow 09:00"); empty while open."""
    opening = next_opening(days, time_zone, at)
    if opening is None:
        return ""
    local = at.astimezone(ZoneInfo(time_zone)).date()
    gap = (opening.date() - local).days
    when = "today" if gap == 0 else "tomorrow" if gap == 1 else WEEKDAY_NAMES[opening.weekday()]
    return f"{when} {opening:%H:%M}"


def day_hours(days: Iterable[Day], on: date) -> Day | None:
    """The hours the business opens on the local date ``on``; None when closed that day.

    With no hours set at all there is nothing to say (always open): also None.
    """
    day = next((d for d in days if d.weekday == on.weekday()), None)
    return None if day is None or day.closed else day


def span_text(day: Day) -> str:
    """A day's hours as customers read them: "10:00–20:00", "22:00–02:00" (overnight).

    Opening and closing at the same time is 24 hours from the opening: "all day" when that
    is midnight.
    """
    if day.opens == day.closes == time(0):
        return "all day"
    return f"{day.opens:%H:%M}\u2013{day.closes:%H:%M}"


@dataclass(frozen=True)
class Span:
    """One stretch of opening, as aware datetimes in the business's zone (``closes`` exclusive)."""

    opens: datetime
    closes: datetime


def open_spans(days: Iterable[Day], time_zone: str, after: datetime, count: int = 3) -> list[Span]:
    """The next ``count`` stretches of opening that end after ``after``, soonest first.

    What to suggest when a requested time falls outside the hours. While open
    at ``after``, the current stretch comes first (its ``opens`` is in the
    past). Empty when no hours are set: the business is always open. Local
    times that a daylight-saving change skips move forward, as
    ``assistant.when`` reads them.
    """
    days = list(days)
    zone = ZoneInfo(time_zone)
    local = after.astimezone(zone)
    spans: list[Span] = []
    # Yesterday's overnight stretch may still run; a week with one open day needs 7 days a span.
    for ahead in range(-1, 7 * count + 1):
        on = local.date() + timedelta(days=ahead)
        day = day_hours(days, on)
        if day is None or len(spans) == count:
            continue
        ends_on = on + timedelta(days=1) if day.closes <= day.opens else on
        span = Span(wall_clock(on, day.opens, zone), wall_clock(ends_on, day.closes, zone))
        if span.closes > local:
            spans.append(span)
    return spans


def wall_clock(on: date, at: time, zone: ZoneInfo) -> datetime:
    """``on`` at ``at`` in ``zone``: a time skipped by a DST change moves forward (PEP 495).

    A repeated time (the hour a fall-back change runs twice) is its first occurrence.
    """
    # Through the instant (PEP 495: fold=0 reads a gap with the offset before it) and back.
    return datetime.fromtimestamp(datetime.combine(on, at, tzinfo=zone).timestamp(), zone)


def _within(day: Day, now: time, *, same_day: bool) -> bool:
    if day.opens < day.closes:
        return same_day and day.opens <= now < day.closes
    # Overnight hours (22:00–02:00): the evening part belongs to this day, the rest to the next.
    return day.opens <= now if same_day else now < day.closes


def _parse(raw: str) -> time:
    hour, minute = raw.split(":")
    return time(int(hour), int(minute))


async def opening_days(scope: TenantScope) -> list[Day]:
    """The tenant's configured weekdays."""
    rows = await scope.fetch(_DAYS)
    return [
        Day(row["weekday"], _parse(row["opens"]), _parse(row["closes"]), bool(row["closed"]))
        for row in rows
    ]


def spoken(at: datetime, time_zone: str) -> str:
    """A moment as the business says it: "Tuesday 8 December at 17:00", in its zone."""
    local = at.astimezone(ZoneInfo(time_zone))
    return f"{local:%A} {local.day} {local:%B} at {local:%H:%M}"


def hours_on(days: Iterable[Day], on: date) -> str:
    """One date's hours in words ("10:00–20:00", "all day", "closed"); empty when none are set.

    A weekday the business did not configure is closed, as ``is_open`` reads it.
    """
    days = list(days)
    if not days:
        return ""
    day = day_hours(days, on)
    return span_text(day) if day else "closed"


def outside_hours(days: Iterable[Day], time_zone: str, at: datetime) -> str:
    """Why ``at`` cannot be booked, naming that day's hours; empty when the business is open then.

    "Sunday 13 December at 17:00 is outside our opening hours: we are closed
    on Sundays." or "… hours: Tuesday 10:00–20:00."
    """
    days = list(days)
    if is_open(days, time_zone, at):
        return ""
    local = at.astimezone(ZoneInfo(time_zone))
    hours = hours_on(days, local.date())
    name = WEEKDAY_NAMES[local.weekday()]
    said = "we are closed on " + name + "s" if hours == "closed" else f"{name} {hours}"
    return f"{spoken(at, time_zone)} is outside our opening hours: {said}."
