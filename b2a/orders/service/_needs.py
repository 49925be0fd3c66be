"""What the business's orders are for, chosen per catalogue: delivery, appointments, or neither."""

from __future__ import annotations

from b2a.audit import service as audit
from b2a.orders.rules import OrdersNeed
from b2a.orders.schemas import OrdersNeedOut
from b2a.orders.service._read import orders_need
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role
from b2a.tenants.tables import Tenant


async def read_orders_need(actor: Actor) -> OrdersNeedOut:
    """What an order request needs besides its items (every member of the business may read it)."""
    return OrdersNeedOut(await orders_need(actor.scope))


async def set_orders_need(actor: Actor, need: OrdersNeed) -> OrdersNeedOut:
    """Choose what order requests need; the next customer message and every open DRAFT obey.

    Raises:
        Forbidden: the actor is not a tenant admin.
    """
    actor.require(Role.TENANT_ADMIN)
    before = await orders_need(actor.scope)
    await Tenant.update({Tenant.orders_need: need}).where(Tenant.id == actor.scope.tenant_id)
    if before is not need:
        await audit.record(actor, "orders.need", before=before.value, after=need.value)
    return OrdersNeedOut(need)
