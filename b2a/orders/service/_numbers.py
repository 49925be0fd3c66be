"""Order numbers: 1, 2, 3 … per tenant, never two alike however many requests race."""

from __future__ import annotations

from piccolo.query.functions.aggregate import Max

from b2a.db.transaction import lock_row
from b2a.orders.tables import Order
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant


async def next_number(scope: TenantScope) -> int:
    """The tenant's next order number; call inside ``atomic()`` and insert before it ends.

    Concurrent requests of one tenant take turns on the tenant's row (on
    PostgreSQL ``SELECT … FOR UPDATE``, on SQLite the transaction's write lock),
    so each reads the highest number after the previous one committed. The
    unique index on (tenant, number) stays the last line of defence.
    """
    await lock_row(Tenant, scope.tenant_id)
    rows = await scope.select(Order, Max(Order.number, alias="last"))
    last = rows[0]["last"] if rows else None
    return int(last or 0) + 1
