"""Orders: the requests customers made, and staff's decisions on them (every member).

The list puts requests waiting for approval first; an order's page shows its
lines, total, the customer's details and history, and offers only the moves
``orders.rules.TRANSITIONS`` allows from its status. A move the domain refuses
(someone decided first, a reject without a note) comes back with its message.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery

from b2a.errors import B2AError, Invalid
from b2a.orders import service as orders
from b2a.orders.rules import TRANSITIONS, OrderStatus
from b2a.orders.schemas import OrderOut, OrderSummary
from b2a.server.api._common import announce
from b2a.server.flash import flash
from b2a.server.web._pages import (
    current_actor,
    form_data,
    form_error,
    page,
    reader_zone,
    redirect,
)
from b2a.tenants.rules import Area

AnyRequest = Request[Any, Any, Any]
ORDERS = {"area": Area.ORDERS}
PAGE = "/app/orders"
ORDER_TEMPLATE = "orders/order.html"
# The move each button makes, in the order the page offers them; PENDING_APPROVAL
# is reached by the customer's details, never by a button.
ACTIONS: dict[str, tuple[OrderStatus, str]] = {
    "approve": (OrderStatus.APPROVED, "Approve"),
    "reject": (OrderStatus.REJECTED, "Reject"),
    "complete": (OrderStatus.COMPLETED, "Mark completed"),
    "cancel": (OrderStatus.CANCELLED, "Cancel"),
}
_MOVES: dict[str, Callable[..., Awaitable[OrderOut]]] = {
    "approve": orders.approve_order,
    "reject": orders.reject_order,
    "complete": orders.complete_order,
    "cancel": orders.cancel_order,
}


def _status(raw: str | None) -> OrderStatus | None:
    if not raw:
        return None
    try:
        return OrderStatus(raw)
    except ValueError:
        raise Invalid(f"{raw!r} is not an order status.", field="status") from None


def pending_first(items: list[OrderSummary]) -> list[OrderSummary]:
    """Requests waiting for approval on top, each group newest first as listed."""
    return sorted(items, key=lambda o: o.status != OrderStatus.PENDING_APPROVAL)


def actions_for(status: str) -> list[tuple[str, str]]:
    """The buttons an order in ``status`` gets: (action, label)."""
    allowed = TRANSITIONS[OrderStatus(status)]
    return [(name, label) for name, (target, label) in ACTIONS.items() if target in allowed]


@get(PAGE, opt=ORDERS, name="orders")
async def orders_page(
    request: AnyRequest, status: FromQuery[str | None] = None, cursor: FromQuery[str | None] = None
) -> Response[Any]:
    """Order requests, pending approval first, optionally of one status."""
    actor = await current_actor(request)
    found = await orders.list_orders(actor, status=_status(status), cursor=cursor)
    return await page(
        request,
        "orders/index.html",
        orders=pending_first(found.items),
        next_cursor=found.next_cursor,
        current=status or "",
        statuses=list(OrderStatus),
    )


async def _order_context(request: AnyRequest, order_id: UUID, **extra: Any) -> dict[str, Any]:
    order = await orders.get_order(await current_actor(request), order_id)
    return {"order": order, "actions": actions_for(order.status), **extra}


@get(f"{PAGE}/{{order_id:uuid}}", opt=ORDERS)
async def order_page(request: AnyRequest, order_id: FromPath[UUID]) -> Response[Any]:
    """One order: lines, total, details, history, and the moves left."""
    return await page(request, ORDER_TEMPLATE, **await _order_context(request, order_id))


@post(f"{PAGE}/{{order_id:uuid}}/{{action:str}}", opt=ORDERS)
async def decide(
    request: AnyRequest, order_id: FromPath[UUID], action: FromPath[str]
) -> Response[Any]:
    """Approve, reject (a note is required), complete or cancel; the customer is told.

    ``time`` sets the time a DRAFT is asked for (typed in the business's zone).
    """
    if action == "time":
        return await _set_time(request, order_id)
    move = _MOVES.get(action)
    values = await form_data(request)
    actor = await current_actor(request)
    if move is None:
        raise Invalid(f"{action!r} is not something to do with an order.", field="action")
    try:
        out = await move(actor, order_id, note=values.get("note", ""))
    except B2AError as exc:
        context = await _order_context(request, order_id, values=values)
        return await form_error(request, ORDER_TEMPLATE, exc, **context)
    await announce(request.app.state, actor, "order.updated", order_id=out.id, status=out.status)
    told = f" {out.notice}" if out.notice else ""
    await flash(request, f"Order #{out.number} is {out.status.lower().replace('_', ' ')}.{told}")
    return redirect(request, f"{PAGE}/{out.id}")


HANDLERS = [orders_page, order_page, decide]


async def _set_time(request: AnyRequest, order_id: UUID) -> Response[Any]:
    """The time a DRAFT is for, as typed in the business's zone; outside the hours it says why."""
    values = await form_data(request)
    actor = await current_actor(request)
    try:
        at = _typed_time(values.get("requested_at", ""), await reader_zone(request))
        out = await orders.add_details(actor, order_id, {}, requested_at=at)
    except B2AError as exc:
        context = await _order_context(request, order_id, values=values)
        return await form_error(request, ORDER_TEMPLATE, exc, **context)
    await announce(request.app.state, actor, "order.updated", order_id=out.id, status=out.status)
    await flash(request, f"Order #{out.number} is for the time you set.")
    return redirect(request, f"{PAGE}/{out.id}#time")


def _typed_time(raw: str, zone: ZoneInfo) -> datetime:
    """``2026-12-08T17:00`` from a datetime-local field, read on the business's wall clock."""
    try:
        return datetime.fromisoformat(raw.strip()).replace(tzinfo=zone)
    except ValueError:
        raise Invalid("type a date and a time.", field="requested_at") from None
