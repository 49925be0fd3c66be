"""Erasing a whole tenant: every row and every file, for good (SPEC §7 "hard-deleting a tenant").

Nearly every row goes by the ``tenant`` foreign key's cascade. Two kinds need
help: orders, whose customer and service references are RESTRICT (so nobody
deletes a customer or service an order still needs) and are therefore deleted
first, and Stripe events, which outlive a tenant's deletion elsewhere
(``set_null``) but carry the tenant's billing data. The operator's own record of
the erasure (name and slug only) is the one trace left, in the platform audit log.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from uuid import UUID

from b2a.audit import service as audit
from b2a.billing.tables import StripeEvent
from b2a.db.transaction import atomic
from b2a.errors import Forbidden
from b2a.inbox.media import tenant_media_dir
from b2a.orders.tables import Order, OrderItem
from b2a.tenants.actor import Actor
from b2a.tenants.service import find_tenant
from b2a.tenants.tables import Tenant


async def erase_tenant(actor: Actor, tenant_id: UUID, *, media_root: Path) -> None:
    """Hard-delete a tenant: every row and every stored file.

    Raises:
        Forbidden: the actor is not a super admin.
        NotFound: no such tenant.
    """
    if not actor.is_super_admin:
        raise Forbidden("only a super admin can erase a tenant.")
    tenant = await find_tenant(str(tenant_id))
    async with atomic():
        await OrderItem.delete().where(OrderItem.tenant == tenant.id)
        await Order.delete().where(Order.tenant == tenant.id)
        await StripeEvent.delete().where(StripeEvent.tenant == tenant.id)
        await Tenant.delete().where(Tenant.id == tenant.id)
    await asyncio.to_thread(
        shutil.rmtree, tenant_media_dir(media_root, tenant.id), ignore_errors=True
    )
    await audit.record(actor, "tenant.erased", name=tenant.name, slug=tenant.slug)
