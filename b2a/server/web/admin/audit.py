"""The audit log across tenants: filters (tenant, actor, event, time range), pages, CSV export."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Response, get
from litestar.response import Stream

from b2a.audit.queries import AuditFilter, export_audit_csv, list_audit
from b2a.errors import B2AError, Invalid
from b2a.server.web._pages import current_actor, form_error, page
from b2a.server.web.admin._common import ADMIN, AnyRequest
from b2a.tenants.service import list_tenants

TEMPLATE = "admin/audit.html"
FIELDS = ("tenant", "actor", "event", "since", "until")


def _day(raw: str, field: str, *, end: bool = False) -> datetime | None:
    """A typed day as UTC midnight; the 'until' day is included (its end is the bound)."""
    if not raw:
        return None
    try:
        start = datetime.combine(date.fromisoformat(raw), datetime.min.time(), UTC)
    except ValueError:
        raise Invalid("give the day as YYYY-MM-DD.", field=field) from None
    return start + timedelta(days=1) if end else start


def _filter(values: dict[str, str]) -> AuditFilter:
    tenant = values.get("tenant", "")
    try:
        tenant_id = UUID(tenant) if tenant else None
    except ValueError:
        raise Invalid("choose a tenant from the list.", field="tenant") from None
    return AuditFilter(
        tenant_id=tenant_id,
        actor=values.get("actor", ""),
        event=values.get("event", ""),
        since=_day(values.get("since", ""), "since"),
        until=_day(values.get("until", ""), "until", end=True),
    )


def _values(request: AnyRequest) -> dict[str, str]:
    return {name: request.query_params.get(name, "").strip() for name in FIELDS}


@get("/admin/audit", opt=ADMIN, name="admin-audit")
async def audit_page(request: AnyRequest) -> Response[Any]:
    """The newest entries matching the filters, a page at a time."""
    actor = await current_actor(request)
    values = _values(request)
    query = urlencode({k: v for k, v in values.items() if v})
    context: dict[str, Any] = {
        "tenants": await list_tenants(include_deleted=True),
        "values": values,
        "query": query,
        "entries": [],
        "next_cursor": None,
    }
    context["tenant_names"] = {t.id: t.name for t in context["tenants"]}
    try:
        found = await list_audit(actor, _filter(values), cursor=request.query_params.get("cursor"))
    except B2AError as exc:
        return await form_error(request, TEMPLATE, exc, **context)
    context.update(entries=found.items, next_cursor=found.next_cursor)
    return await page(request, TEMPLATE, **context)


@get("/admin/audit.csv", opt=ADMIN)
async def audit_csv(request: AnyRequest) -> Stream:
    """Every entry matching the filters as CSV, streamed."""
    lines = await export_audit_csv(await current_actor(request), _filter(_values(request)))
    return Stream(
        lines,
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="b2a-audit.csv"'},
    )


HANDLERS = [audit_page, audit_csv]
