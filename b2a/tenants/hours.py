"""Opening hours: whether the business is open at a moment, in its own time zone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import WorkingHours


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
    rows = await scope.select(
        WorkingHours,
        WorkingHours.weekday,
        WorkingHours.opens,
        WorkingHours.closes,
        WorkingHours.closed,
    )
    return [
        Day(row["weekday"], _parse(row["opens"]), _parse(row["closes"]), bool(row["closed"]))
        for row in rows
    ]
