"""Customers from the inbox: a shared contact card added as one, a customer exported or erased.

Any member adds the person on a contact card (``inbox.contact_cards``, as
``/api/v1/customers/from-contact-card``); only tenant admins download or erase
a customer's data.

The same ``privacy.customers`` functions as ``/api/v1/customers/{id}``. Erasing
cannot be undone, so the form asks for the word ERASE typed out; anything else
brings the admin back to the conversation with the reason.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.response import File

from b2a.errors import Invalid, NotFound
from b2a.inbox import contact_cards
from b2a.inbox.contact_cards import ContactCardIn
from b2a.inbox.tables import Customer, Message
from b2a.privacy import customers
from b2a.server.files import download_headers
from b2a.server.flash import flash
from b2a.server.web._pages import current_actor, form_data, redirect
from b2a.server.websession import settings_of
from b2a.tenants.rules import Area, Role

AnyRequest = Request[Any, Any, Any]
CUSTOMER_DATA = {"area": Area.CUSTOMERS, "roles": (Role.TENANT_ADMIN,)}
PAGE = "/app/customers/{customer_id:uuid}"
CONFIRMATION = "ERASE"


@get(f"{PAGE}/export", opt=CUSTOMER_DATA)
async def export_customer(request: AnyRequest, customer_id: UUID) -> File:
    """A zip of everything stored about the customer: customer.json and their media."""
    path = await customers.export_customer(
        await current_actor(request), customer_id, media_root=settings_of(request).core.media_root
    )
    name = f"customer-{customer_id}.zip"
    return File(
        path=path,
        filename=name,
        media_type="application/zip",
        headers=download_headers(name),
        background=BackgroundTask(path.unlink, missing_ok=True),
    )


@post(f"{PAGE}/erase", opt=CUSTOMER_DATA)
async def erase_customer(request: AnyRequest, customer_id: UUID) -> Response[Any]:
    """Erase the customer once the admin typed ERASE; then the inbox, which lists them no more."""
    actor = await current_actor(request)
    await actor.scope.get(Customer, customer_id)  # another business's customer: 404 either way
    values = await form_data(request)
    back = values.get("back", "")
    if values.get("confirm", "").strip() != CONFIRMATION:
        await flash(request, f"Nothing was erased: type {CONFIRMATION} to confirm.", "error")
        return redirect(request, back if back.startswith("/app/inbox/") else "/app/inbox")
    files = await customers.erase_customer(
        actor, customer_id, media_root=settings_of(request).core.media_root
    )
    await flash(
        request, f"The customer and their conversations are erased ({files} files removed)."
    )
    return redirect(request, "/app/inbox")


@post("/app/inbox/messages/{message_id:uuid}/add-contact", opt={"area": Area.CUSTOMERS})
async def add_from_card(request: AnyRequest, message_id: UUID) -> Response[Any]:
    """The card's person as a customer (or the one already known): their conversation opens.

    Another business's message is a 404 like any other; a card WhatsApp cannot
    reach comes back to the conversation with why.
    """
    actor = await current_actor(request)
    message = await actor.scope.get(Message, message_id)
    values = await form_data(request)
    card = values.get("card", "0")
    try:
        choice = ContactCardIn(message_id, int(card) if card.isdigit() else -1)
        added = await contact_cards.add_card_as_customer(actor, choice)
    except (Invalid, NotFound) as exc:
        await flash(request, f"Nobody was added: {exc}", "error")
        return redirect(request, f"/app/inbox/{message.conversation}")
    who = added.name or f"+{added.phone}"
    done = "is now a customer" if added.created else "was already a customer"
    await flash(request, f"{who} {done}: write to them here.")
    return redirect(request, f"/app/inbox/{added.conversation_id}")


HANDLERS: list[Any] = [export_customer, erase_customer, add_from_card]
