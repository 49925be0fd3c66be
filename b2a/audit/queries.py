"""Reading the audit log: filtered keyset pages and a CSV export.

The super admin reads every tenant's entries and the platform's own (no
tenant); a tenant admin reads only their tenant's. Filters combine: tenant,
actor (a substring of the e-mail or label recorded at the time), event (a
prefix such as ``order.`` or an exact name) and a time range.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from piccolo.columns.combination import Combinable
from piccolo.query import Select

from b2a.audit.tables import AuditEntry
from b2a.db.columns import json_value
from b2a.db.keyset import DEFAULT_LIMIT, after, checked_limit, contains, page_of
from b2a.errors import Invalid
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role

EXPORT_BATCH = 500
CSV_COLUMNS = ("at", "tenant_id", "actor", "event", "ip", "detail")


@dataclass(frozen=True)
class AuditFilter:
    """Which entries to read; every field left empty matches all."""

    tenant_id: UUID | None = None
    actor: str = ""
    event: str = ""
    since: datetime | None = None
    until: datetime | None = None


class AuditEntryOut(msgspec.Struct):
    """One entry as the audit page shows it."""

    id: UUID
    at: datetime
    tenant_id: UUID | None
    actor: str
    event: str
    ip: str
    detail: dict[str, Any]


class AuditPage(msgspec.Struct):
    """A page of entries, newest first."""

    items: list[AuditEntryOut]
    next_cursor: str | None


def _query(actor: Actor, f: AuditFilter) -> Select:
    """The filtered query, limited to what the actor may read.

    Raises:
        Forbidden: the actor is neither a super admin nor a tenant admin.
        Invalid: the time range is upside down.
    """
    actor.require(Role.TENANT_ADMIN)
    if f.since and f.until and f.since > f.until:
        raise Invalid("'since' must come before 'until'.", field="since")
    tenant = f.tenant_id if actor.is_super_admin else actor.scope.tenant_id
    conditions: list[Combinable] = []
    if tenant is not None:
        conditions.append(AuditEntry.tenant == tenant)
    if f.actor:
        conditions.append(contains(AuditEntry.actor_label, f.actor.strip()))
    if f.event:
        event = f.event.strip()
        conditions.append(
            AuditEntry.event.like(f"{event}%") if event.endswith(".") else AuditEntry.event == event
        )
    if f.since:
        conditions.append(AuditEntry.at >= f.since)
    if f.until:
        conditions.append(AuditEntry.at < f.until)
    query = AuditEntry.select(
        AuditEntry.id,
        AuditEntry.at,
        AuditEntry.tenant,
        AuditEntry.actor_label,
        AuditEntry.event,
        AuditEntry.ip,
        AuditEntry.detail,
    )
    for condition in conditions:
        query = query.where(condition)
    return query.order_by(AuditEntry.at, AuditEntry.id, ascending=False)


def _out(row: dict[str, Any]) -> AuditEntryOut:
    return AuditEntryOut(
        id=row["id"],
        at=row["at"],
        tenant_id=row["tenant"],
        actor=row["actor_label"],
        event=row["event"],
        ip=row["ip"],
        detail=dict(json_value(row["detail"]) or {}),
    )


async def list_audit(
    actor: Actor, f: AuditFilter, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> AuditPage:
    """One page of entries, newest first.

    Raises:
        Forbidden: the actor is neither a super admin nor a tenant admin.
        Invalid: a bad cursor, limit or time range.
    """
    return await _page(_query(actor, f), cursor, checked_limit(limit))


async def _page(query: Select, cursor: str | None, limit: int) -> AuditPage:
    if cursor:
        query = query.where(after(AuditEntry.at, AuditEntry.id, cursor))
    rows = await query.limit(limit + 1)
    page, next_cursor = page_of(rows, limit, "at")
    return AuditPage([_out(row) for row in page], next_cursor)


async def export_audit_csv(actor: Actor, f: AuditFilter) -> AsyncIterator[str]:
    """Every matching entry as CSV, header first, read in keyset batches (any size of log).

    Raises:
        Forbidden: the actor is neither a super admin nor a tenant admin.
    """
    _query(actor, f)  # refuse before the first byte is streamed
    return _csv_lines(actor, f)


async def _csv_lines(actor: Actor, f: AuditFilter) -> AsyncIterator[str]:
    yield _csv_row(CSV_COLUMNS)
    cursor: str | None = None
    while True:
        page = await _page(_query(actor, f), cursor, EXPORT_BATCH)
        for entry in page.items:
            yield _csv_row(
                (
                    entry.at.isoformat(),
                    str(entry.tenant_id or ""),
                    entry.actor,
                    entry.event,
                    entry.ip,
                    json.dumps(entry.detail, sort_keys=True, default=str),
                )
            )
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def _csv_row(values: tuple[str, ...]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # Spreadsheet formula injection: a cell starting with = + - @ is read as text.
    writer.writerow(["'" + v if v[:1] in ("=", "+", "-", "@") else v for v in values])
    return buffer.getvalue()
