"""Counting rows per local day, on PostgreSQL and SQLite alike.

Rows are grouped by 15-minute UTC buckets in the database (every time zone's
offset is a multiple of 15 minutes) and the buckets are folded into the
tenant's local days here, so a day starts at the tenant's midnight, daylight
saving included, without time zone support in SQLite. Thirty days are at most
2,880 buckets per series: the database does the heavy counting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.columns import Column
from piccolo.engine.sqlite import SQLiteEngine
from piccolo.query import Select
from piccolo.query.functions.aggregate import Count
from piccolo.querystring import QueryString

from b2a.db import piccolo_conf

BUCKET_SECONDS = 900


@dataclass(frozen=True)
class Window:
    """The local days a report covers, oldest first, and where they start and end in UTC."""

    days: tuple[date, ...]
    start: datetime
    end: datetime
    time_zone: str

    @classmethod
    def last(cls, count: int, time_zone: str, now: datetime) -> Window:
        """Today and the ``count - 1`` local days before it."""
        zone = ZoneInfo(time_zone)
        today = now.astimezone(zone).date()
        days = tuple(today - timedelta(days=n) for n in reversed(range(count)))
        start = datetime.combine(days[0], datetime.min.time(), zone).astimezone(UTC)
        end = datetime.combine(today + timedelta(days=1), datetime.min.time(), zone)
        return cls(days, start, end.astimezone(UTC), time_zone)

    def local_day(self, moment: datetime) -> date:
        """The local date of a UTC moment."""
        return moment.astimezone(ZoneInfo(self.time_zone)).date()


def _bucket(column: Column) -> QueryString:
    if isinstance(piccolo_conf.DB, SQLiteEngine):
        return QueryString(f"CAST(strftime('%s', {{}}) AS INTEGER) / {BUCKET_SECONDS}", column)
    return QueryString(
        f"CAST(floor(extract(epoch FROM {{}}) / {BUCKET_SECONDS}) AS BIGINT)", column
    )


async def per_day(
    query: Select, column: Column, window: Window, *, by: Sequence[Column] = ()
) -> dict[tuple[Any, ...], dict[date, int]]:
    """Rows of ``query`` per local day of ``column``, split by the values of ``by``.

    ``query`` is a scoped select with its own conditions; this adds the window,
    the buckets and the grouping. Keys are tuples of the ``by`` values (``()``
    when there are none); days without rows are absent.
    """
    rows = (
        await query.columns(*by, _bucket(column).as_alias("bucket"), Count(alias="n"))
        .where((column >= window.start) & (column < window.end))
        .group_by(*by, _bucket(column))
    )
    counts: dict[tuple[Any, ...], dict[date, int]] = {}
    for row in rows:
        moment = datetime.fromtimestamp(int(row["bucket"]) * BUCKET_SECONDS, UTC)
        key = tuple(row[c._meta.name] for c in by)
        day = window.local_day(moment)
        series = counts.setdefault(key, {})
        series[day] = series.get(day, 0) + int(row["n"])
    return counts
