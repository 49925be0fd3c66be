"""``/api/v1/customers/{id}``: a customer's data exported or erased (GDPR, tenant admins)."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, get, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import State
from litestar.response import File

from b2a.privacy import customers
from b2a.server.api._common import media_root
from b2a.server.auth import TENANT_ADMINS
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Area


class CustomerController(Controller):
    """What the business holds about one person, handed over or forgotten."""

    path = "/customers/{customer_id:uuid}"
    opt = {"area": Area.CUSTOMERS, **TENANT_ADMINS}
    tags = ["customers"]

    @get("/export", summary="Download everything about a customer (zip)")
    async def export_customer(self, actor: Actor, state: State, customer_id: UUID) -> File:
        """customer.json (details, ids, conversations, notes, orders, schedules) and media/."""
        path = await customers.export_customer(actor, customer_id, media_root=media_root(state))
        return File(
            path=path,
            filename=f"customer-{customer_id}.zip",
            media_type="application/zip",
            background=BackgroundTask(path.unlink, missing_ok=True),
        )

    @post("/erase", summary="Erase a customer", status_code=200)
    async def erase_customer(self, actor: Actor, state: State, customer_id: UUID) -> dict[str, int]:
        """Conversations, messages, files and WhatsApp ids go; orders stay without the details."""
        removed = await customers.erase_customer(actor, customer_id, media_root=media_root(state))
        return {"files_removed": removed}
