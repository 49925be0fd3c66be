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

from b2a.billing.rules import (
    LIVE,
    PAYMENT_OVERDUE,
    SubscriptionStatus,
    Suspension,
    suspension,
)
from b2a.db.sql import Statement
from b2a.lib import clock
from b2a.tenants.scope import TenantScope

__all__ = ["PAYMENT_OVERDUE", "Suspension", "billing_suspension"]

# ``periods.current_subscription``'s row, as two values in hand-written SQL: every
# assistant turn and every send asks, and Piccolo's query building was most of its cost.
_CURRENT = Statement(
    f"""SELECT status, grace_until FROM subscription
    WHERE tenant = :tenant AND status IN ({", ".join(f"'{s.value}'" for s in sorted(LIVE))})
    ORDER BY created_at DESC
    LIMIT 1"""
)


async def billing_suspension(tenant_id: UUID) -> Suspension | None:
    """Why billing stops this tenant's AI and sending now, or None when it does not."""
    current = await TenantScope(tenant_id).fetchrow(_CURRENT)
    if current is None:
        return None
    return suspension(SubscriptionStatus(current["status"]), current["grace_until"], clock.now())
