"""Scheduled messages: a text or a template for a customer, at a time in the tenant's zone.

Every member schedules, lists and cancels (``outbox.schedule``); the date and
time are typed as the business's wall clock and shown back the same way, so
nobody converts from UTC in their head.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery

from b2a.errors import B2AError, Conflict, Invalid
from b2a.outbox import schedule, templates
from b2a.outbox.rules import ScheduleStatus
from b2a.server.flash import flash
from b2a.server.web._pages import current_actor, form_data, form_error, page, redirect
from b2a.server.web.message_templates import parse_variables
from b2a.tenants.locale import business_zone
from b2a.tenants.rules import Area

AnyRequest = Request[Any, Any, Any]
SCHEDULES = {"area": Area.TEMPLATES}
PAGE = "/app/schedules"
TEMPLATE = "outbox/schedules.html"
FIELDS = ("customer_id", "template_id", "text", "variables", "date", "time")


def _uuid(raw: str, field: str, what: str) -> UUID:
    try:
        return UUID(raw)
    except ValueError:
        raise Invalid(f"choose {what}.", field=field) from None


def wall_clock(date: str, time: str) -> datetime:
    """The typed date and time as a naive datetime (the tenant's zone is the domain's to add)."""
    try:
        return datetime.fromisoformat(f"{date.strip()}T{time.strip()}")
    except ValueError:
        example = "2026-05-01 and 09:30"
        raise Invalid(f"give a date and a time such as {example}.", field="date") from None


def _request(values: dict[str, str]) -> schedule.ScheduleRequest:
    template = values.get("template_id", "")
    return schedule.ScheduleRequest(
        customer_id=_uuid(values.get("customer_id", ""), "customer_id", "a customer"),
        send_at=wall_clock(values.get("date", ""), values.get("time", "")),
        text=values.get("text", "") if not template else "",
        template_id=_uuid(template, "template_id", "a template") if template else None,
        variables=parse_variables(values.get("variables", "")) if template else {},
    )


async def _context(request: AnyRequest, status: str | None, **overrides: Any) -> dict[str, Any]:
    actor = await current_actor(request)
    scope = actor.scope
    wanted = ScheduleStatus(status) if status in set(ScheduleStatus) else None
    customers = await schedule.recipients(scope)
    context: dict[str, Any] = {
        "schedules": await schedule.list_scheduled(scope, status=wanted),
        "customers": customers,
        "names": {c.id: c.name or c.phone for c in customers},
        "templates": [t for t in await templates.list_templates(actor) if t.sendable],
        "current": wanted.value if wanted else "",
        "statuses": list(ScheduleStatus),
        "values": {},
    }
    return {**context, **overrides}


@get(PAGE, opt=SCHEDULES, name="schedules")
async def schedules_page(
    request: AnyRequest, status: FromQuery[str | None] = None
) -> Response[Any]:
    """Scheduled messages soonest first (optionally of one status) and the form for a new one."""
    return await page(request, TEMPLATE, **await _context(request, status))


@post(PAGE, opt=SCHEDULES)
async def add_schedule(request: AnyRequest) -> Response[Any]:
    """Store a PENDING schedule; the minute cron sends it when its time comes."""
    values = await form_data(request)
    shown = {name: values.get(name, "") for name in FIELDS}
    actor = await current_actor(request)
    try:
        row = await schedule.schedule_message(
            actor.scope, _request(shown), created_by=actor.user_id
        )
    except B2AError as exc:
        context = await _context(request, None, values=shown)
        return await form_error(request, TEMPLATE, exc, **context)
    zone = await business_zone(actor.scope.tenant_id)
    await flash(request, f"Scheduled for {row.send_at.astimezone(zone):%Y-%m-%d %H:%M}.")
    return redirect(request, PAGE)


@post(f"{PAGE}/{{schedule_id:uuid}}/cancel", opt=SCHEDULES)
async def cancel_schedule(request: AnyRequest, schedule_id: FromPath[UUID]) -> Response[Any]:
    """Cancel a PENDING schedule that has not started sending."""
    actor = await current_actor(request)
    try:
        await schedule.cancel_scheduled(actor.scope, schedule_id)
    except Conflict as exc:
        return await form_error(request, TEMPLATE, exc, **await _context(request, None))
    await flash(request, "The scheduled message is cancelled.")
    return redirect(request, PAGE)


HANDLERS = [schedules_page, add_schedule, cancel_schedule]
