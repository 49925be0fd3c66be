"""Whether a tenant's billing lets it use AI and send messages right now.

One question, asked by the assistant's governance before a reply and by the
send before a message goes (``b2a.outbox.delivery`` applies the same rule to
the subscription it reads with the message, in the same statement): is the
tenant's current subscription unpaid (UNPAID), or PAST_DUE beyond its grace
period? Then both stop, with the stable code ``PAYMENT_OVERDUE`` and a reason in
plain words; nothing is deleted, and both resume as soon as a payment moves the
subscription back to ACTIVE.
A tenant on the free plan, in a trial or paid up is never stopped here (limits
of its plan are the governance's business).
"""

from __future__ import annotations

from uuid import UUID

from b2a.billing.periods import current_subscription
from b2a.billing.rules import PAYMENT_OVERDUE, SubscriptionStatus, Suspension, suspension
from b2a.lib import clock

__all__ = ["PAYMENT_OVERDUE", "Suspension", "billing_suspension"]


async def billing_suspension(tenant_id: UUID) -> Suspension | None:
    """Why billing stops this tenant's AI and sending now, or None when it does not."""
    subscription = await current_subscription(tenant_id)
    if subscription is None:
        return None
    return suspension(
        SubscriptionStatus(subscription.status), subscription.grace_until, clock.now()
    )
