"""Staff decide: approve or reject a request, then complete or cancel it (SPEC §5)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from piccolo.columns import Column

from b2a.db.transaction import atomic
from b2a.errors import Conflict, Invalid
from b2a.orders.rules import OrderStatus, allowed_next, can_transition
from b2a.orders.schemas import OrderOut
from b2a.orders.service._history import record_change
from b2a.orders.service._notify import tell_customer
from b2a.orders.service._read import get_order
from b2a.orders.tables import Order
from b2a.outbox.queueing import enqueue_send
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role
from b2a.tenants.scope import TenantScope

MAX_NOTE = 1000
DECISIONS = (OrderStatus.APPROVED, OrderStatus.REJECTED)


class InvalidTransition(Conflict):
    """The order's status does not allow this move (or someone moved it first)."""

    code = "INVALID_TRANSITION"


async def approve_order(actor: Actor, order_id: UUID, *, note: str = "") -> OrderOut:
    """Approve a request waiting for approval; the customer is told.

    Raises:
        Forbidden: the actor is not STAFF or TENANT_ADMIN.
        NotFound: the order is not this tenant's.
        InvalidTransition: the order is not PENDING_APPROVAL.
    """
    return await _move(actor, order_id, OrderStatus.APPROVED, note)


async def reject_order(actor: Actor, order_id: UUID, *, note: str) -> OrderOut:
    """Reject a request waiting for approval, saying why (the note stays internal).

    Raises:
        Forbidden: the actor is not STAFF or TENANT_ADMIN.
        NotFound: the order is not this tenant's.
        Invalid: no note.
        InvalidTransition: the order is not PENDING_APPROVAL.
    """
    if not note.strip():
        raise Invalid("say why the order is rejected.", field="note")
    return await _move(actor, order_id, OrderStatus.REJECTED, note)


async def complete_order(actor: Actor, order_id: UUID, *, note: str = "") -> OrderOut:
    """Mark an approved order as delivered.

    Raises:
        Forbidden: the actor is not STAFF or TENANT_ADMIN.
        NotFound: the order is not this tenant's.
        InvalidTransition: the order is not APPROVED.
    """
    return await _move(actor, order_id, OrderStatus.COMPLETED, note)


async def cancel_order(actor: Actor, order_id: UUID, *, note: str = "") -> OrderOut:
    """Cancel a DRAFT or an approved order; the customer is told.

    Raises:
        Forbidden: the actor is not STAFF or TENANT_ADMIN.
        NotFound: the order is not this tenant's.
        InvalidTransition: the order is neither DRAFT nor APPROVED.
    """
    return await _move(actor, order_id, OrderStatus.CANCELLED, note)


async def _move(actor: Actor, order_id: UUID, target: OrderStatus, note: str) -> OrderOut:
    """Move an order to ``target`` for a member of staff.

    1. Only STAFF and TENANT_ADMIN decide; another tenant's order is NotFound.
    2. ``rules.TRANSITIONS`` must allow the move from the status read now.
    3. One transaction: a conditional UPDATE from that status, so of two
       concurrent decisions exactly one changes the row and the other is
       refused; the history row, the audit entry and the customer's message
       (or why it cannot go) commit with it.
    4. After the commit the message's send job is queued.
    """
    actor.require(Role.STAFF, Role.TENANT_ADMIN)
    scope = actor.scope
    text = note.strip()
    if len(text) > MAX_NOTE:
        raise Invalid(f"a note has at most {MAX_NOTE} characters.", field="note")
    order = await scope.get(Order, order_id)
    current = OrderStatus(order.status)
    if not can_transition(current, target):
        raise InvalidTransition(
            f"order #{order.number} is {current}; {allowed_next(current)}.",
        )
    async with atomic():
        await _claim(scope, order, current, target, text)
        await record_change(scope, actor, order, current, target, text)
        message_id = await tell_customer(scope, actor, order, target)
    if message_id is not None:
        await enqueue_send(scope.tenant_id, message_id)
    return await get_order(actor, order.id)


async def _claim(
    scope: TenantScope, order: Order, current: OrderStatus, target: OrderStatus, note: str
) -> None:
    values: dict[Column | str, Any] = {Order.status: target}
    if target in DECISIONS:
        values[Order.decision_note] = note
    moved = (
        await scope.update(Order, values)
        .where((Order.id == order.id) & (Order.status == current))
        .returning(Order.id)
    )
    if not moved:
        now = await scope.get(Order, order.id)
        raise InvalidTransition(
            f"order #{order.number} was just moved to {now.status} by someone else; "
            f"{allowed_next(OrderStatus(now.status))}."
        )
    order.status = target
