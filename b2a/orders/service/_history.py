"""Every status an order takes is written twice: in its history and in the audit log."""

from __future__ import annotations

from b2a.audit import service as audit
from b2a.orders.rules import OrderStatus
from b2a.orders.tables import Order, OrderStatusChange
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role
from b2a.tenants.scope import TenantScope


def assistant_actor(scope: TenantScope) -> Actor:
    """The assistant, as the history and the audit log name it."""
    return Actor(None, Role.STAFF, scope.tenant_id, label="assistant")


async def record_change(
    scope: TenantScope,
    actor: Actor,
    order: Order,
    from_status: OrderStatus | None,
    to_status: OrderStatus,
    note: str = "",
) -> None:
    """One history row and one audit entry for one transition (``None`` → DRAFT: created)."""
    await scope.new(
        OrderStatusChange,
        order=order.id,
        from_status=from_status,
        to_status=to_status,
        actor=actor.user_id,
        actor_label=actor.label,
        note=note,
    ).save()
    event = "order.created" if from_status is None else f"order.{to_status.lower()}"
    await audit.record(
        actor,
        event,
        tenant_id=scope.tenant_id,
        order=str(order.id),
        number=order.number,
        from_status=from_status,
        to_status=to_status,
        note=note,
    )
