"""``/api/v1/customers``: contact cards added as customers; a customer exported or erased.

Any member adds the person on a contact card a customer shared; only tenant
admins export or erase a customer's data (GDPR).
"""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, get, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import State
from litestar.response import File

from b2a.inbox import contact_cards
from b2a.inbox.contact_cards import ContactCardIn, CustomerFromCard
from b2a.privacy import customers
from b2a.server.api._common import announce, media_root
from b2a.server.auth import TENANT_ADMINS
from b2a.server.files import download_headers
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
        name = f"customer-{customer_id}.zip"
        return File(
            path=path,
            filename=name,
            media_type="application/zip",
            headers=download_headers(name),
            background=BackgroundTask(path.unlink, missing_ok=True),
        )

    @post("/erase", summary="Erase a customer", status_code=200)
    async def erase_customer(self, actor: Actor, state: State, customer_id: UUID) -> dict[str, int]:
        """Conversations, messages, files and WhatsApp ids go; orders stay without the details."""
        removed = await customers.erase_customer(actor, customer_id, media_root=media_root(state))
        return {"files_removed": removed}


class ContactCardController(Controller):
    """Someone a customer shared a contact card of becomes a customer (any member)."""

    path = "/customers/from-contact-card"
    opt = {"area": Area.CUSTOMERS}
    tags = ["customers"]

    @post("/", summary="Add the person on a shared contact card as a customer", status_code=200)
    async def add_from_card(
        self, actor: Actor, state: State, data: ContactCardIn
    ) -> CustomerFromCard:
        """Creates the customer with a conversation on the card's channel, or finds them.

        ``created`` is false when the business already knew the number; either
        way ``conversation_id`` is where to write to them.
        """
        added = await contact_cards.add_card_as_customer(actor, data)
        await announce(state, actor, "conversation.updated", conversation_id=added.conversation_id)
        return added
