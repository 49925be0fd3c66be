"""Telling the customer what staff decided, over WhatsApp, without ever failing the decision."""

from __future__ import annotations

from uuid import UUID

from b2a.catalog.money import format_price
from b2a.inbox.rules import Author
from b2a.inbox.tables import Note
from b2a.orders.rules import OrderStatus, decision_message
from b2a.orders.tables import Order
from b2a.outbox.queueing import Draft, Sender, WindowClosed, store_outbound
from b2a.tenants.actor import Actor
from b2a.tenants.hours import spoken
from b2a.tenants.locale import business_zone
from b2a.tenants.scope import TenantScope

SYSTEM = Sender(Author.SYSTEM)
"""Not an agent: the notice does not take the conversation from the assistant."""


async def tell_customer(
    scope: TenantScope, actor: Actor, order: Order, status: OrderStatus
) -> UUID | None:
    """Store the decision for the customer as a QUEUED message; its id, or None.

    Call inside the decision's ``atomic()`` and enqueue the send after the
    commit. When it cannot go (a Cloud API conversation outside its 24-hour
    window, no conversation left), the reason is kept on the order
    (``Order.notice``) and as an internal note in the conversation, so staff
    can reach the customer another way; the decision stands either way.
    """
    at = order.requested_at
    when = spoken(at, (await business_zone(scope.tenant_id)).key) if at else ""
    total = format_price(order.total_minor, order.currency)
    text = decision_message(status, order.number, total, when)
    reason, message_id = "", None
    if text is not None and order.conversation is None:
        reason = "the order has no conversation left to write in."
    elif text is not None:
        try:
            message = await store_outbound(scope, order.conversation, Draft(text=text), SYSTEM)
            message_id = message.id
        except WindowClosed as exc:
            reason = exc.message
    notice = f"The customer was not told that order #{order.number} is {status}: {reason}"
    notice = notice[:500] if reason else ""
    await scope.update(Order, {Order.notice: notice}).where(Order.id == order.id)
    if notice and order.conversation is not None:
        await scope.new(
            Note, conversation=order.conversation, author=actor.user_id, text=notice
        ).save()
    return message_id
