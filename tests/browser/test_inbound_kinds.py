"""Reactions, edits, deletions, contact cards and locations in a real browser's inbox thread.

The customer's messages are accepted as a transport accepts them
(``inbox.service.accept_inbound``) and processed by the stack's own worker; the
inbox tab is never reloaded while they arrive, so what changes came over the
live events.
"""

import uuid

import pytest
from playwright.async_api import expect

from b2a.assistant.tables import AssistantConfig
from b2a.inbox import service as inbox
from b2a.inbox.rules import ChannelState, Transport
from b2a.inbox.tables import Channel, Message
from b2a.lib import clock, queue
from b2a.settings import load_settings
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant
from b2a.whatsapp.inbound import Identity, InboundMessage
from tests.browser.conftest import unique_email
from tests.pipeline import eventually, installed_queue

pytestmark = pytest.mark.slow  # starts b2a serve and b2a worker, and a browser

PHONE = "923001112233"
GREETING = "Salam! Thank you for writing to us."
LOCATION = {
    "latitude": 24.8138,
    "longitude": 67.0300,
    "name": "Dolmen Mall Clifton",
    "address": "Marine Drive, Karachi",
    "url": "https://dolmenmall.com",
}
CARD = {
    "contacts": [
        {
            "name": "Ana Silva",
            "org": "Silva Tailors",
            "phones": [{"phone": "+1 555 010 0100", "wa_id": "15550100100", "type": "CELL"}],
            "emails": ["ana@silva.test"],
        }
    ]
}


class Customer:
    """A WhatsApp customer of the tenant whose messages the stack's worker processes."""

    def __init__(self, scope, channel_id, settings):
        self.scope, self.channel_id, self.settings = scope, channel_id, settings

    async def send(self, wamid, kind="text", text="", **fields):
        message = InboundMessage(
            wamid,
            [Identity("phone", PHONE)],
            PHONE,
            "Sana",
            kind,
            text,
            clock.now(),
            **fields,
        )
        event_id = await inbox.accept_inbound(
            self.scope, self.channel_id, Transport.SANDBOX, message
        )
        async with installed_queue(self.settings):
            await queue.enqueue(
                "process_inbound",
                key=f"process_inbound:{event_id}",
                tenant_id=str(self.scope.tenant_id),
                event_id=str(event_id),
            )

    async def bubble(self, page, wamid):
        """The message's bubble in the thread, once the worker stored it."""

        async def stored():
            return await self.scope.objects(Message).where(Message.wa_message_id == wamid).first()

        row = await eventually(stored)
        return page.locator(f"#msg-{row.id}")


async def _business(visitor, stack, *, quiet=False, greeting="") -> Customer:
    """A new business with a sandbox number; ``quiet``: no assistant."""
    name = f"Kinds Boutique {uuid.uuid4().hex[:6]}"
    await visitor.sign_up(name, unique_email("owner"))
    tenant = await Tenant.objects().where(Tenant.name == name).first()
    scope = TenantScope(tenant.id)
    await Tenant.update({Tenant.greeting_message: greeting}).where(Tenant.id == tenant.id)
    if quiet:
        await scope.new(AssistantConfig, enabled=False).save()
    channel = scope.new(
        Channel, transport=Transport.SANDBOX, state=ChannelState.CONNECTED, display_phone="sandbox"
    )
    await channel.save()
    return Customer(scope, channel.id, load_settings(stack.env))


async def _open_thread(visitor):
    page = visitor.page
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Inbox").click()
    await expect(page.locator("body[data-live=on]")).to_have_count(1)
    await page.locator(".conv a").first.click()
    await expect(page.locator("body[data-live=on]")).to_have_count(1)
    return page


async def test_a_reaction_an_edit_and_a_deletion_change_the_message_live(visitor, stack, stack_db):
    customer = await _business(visitor, stack, quiet=True)
    page = visitor.page
    await customer.send("w.1", text="Do you have this kurta in blue?")
    first = await customer.bubble(page, "w.1")  # stored before the next one: the thread's order
    await customer.send("w.2", text="My address is 12 Mall Road")
    second = await customer.bubble(page, "w.2")
    await _open_thread(visitor)
    await expect(second).to_contain_text("12 Mall Road")

    await customer.send("w.r", "reaction", "👍", target_id="w.1")
    await expect(first.locator(".reaction")).to_have_text("👍")
    await customer.send("w.e", "edit", "Do you have this kurta in red?", target_id="w.1")
    await expect(first.locator(".text")).to_have_text("Do you have this kurta in red?")
    await first.get_by_text("edited").click()
    await expect(first.locator(".edited li")).to_have_text("Do you have this kurta in blue?")
    await customer.send("w.d", "revoke", target_id="w.2")
    await expect(second).to_contain_text("Deleted by the customer")
    await expect(second).not_to_contain_text("12 Mall Road")
    await expect(page.locator(".conv").first).to_contain_text("Deleted by the customer")
    # A 👍 and a deletion send nothing and leave the assistant in charge.
    await expect(page.locator(".msg-outbound")).to_have_count(0)
    await expect(page.get_by_text("The assistant answers")).to_be_visible()
    await visitor.shot("inbox-reaction-edit-delete")

    await visitor.goto("/app/settings")
    await page.get_by_label("Keep what customers delete readable to the team").check()
    await page.get_by_role("button", name="Save the profile").click()
    await expect(page.get_by_text("The business profile is saved.")).to_be_visible()
    await expect(
        page.get_by_label("Keep what customers delete readable to the team")
    ).to_be_checked()
    await customer.send("w.3", text="Call me on 0300 1234567")
    page = await _open_thread(visitor)
    kept = await customer.bubble(page, "w.3")
    # Only once its message is stored: sent together, the deletion could be processed first
    # and find nothing to delete (orphaned), as it would for WhatsApp out of order.
    await customer.send("w.d3", "revoke", target_id="w.3")
    await expect(kept.locator(".deleted")).to_have_text("Deleted by the customer")
    await expect(kept.locator("s")).to_have_text("Call me on 0300 1234567")
    await visitor.shot("inbox-deleted-kept")


async def test_a_location_and_a_contact_card_show_as_cards_and_the_card_adds_a_customer(
    visitor, stack, stack_db
):
    customer = await _business(visitor, stack, greeting=GREETING)
    page = visitor.page
    await customer.send("w.loc", "location", "📍 Dolmen Mall Clifton, Marine Drive", data=LOCATION)
    location = await customer.bubble(page, "w.loc")
    await customer.send("w.card", "contacts", "👤 Ana Silva, +1 555 010 0100", data=CARD)
    await customer.bubble(page, "w.card")
    await _open_thread(visitor)
    await expect(location).to_contain_text("Dolmen Mall Clifton")
    await expect(location).to_contain_text("Marine Drive, Karachi")
    await expect(location.get_by_role("link", name="Open the map")).to_have_attribute(
        "href",
        "https://www.openstreetmap.org/?mlat=24.813800&mlon=67.030000#map=17/24.813800/67.030000",
    )
    # A location needs a person: humans take over quietly (the greeting still goes, no
    # hand-off text), with the reason shown.
    await expect(page.get_by_text("Humans answer")).to_be_visible()
    await expect(page.get_by_text("the customer sent a location")).to_be_visible()
    await expect(page.locator(".msg-outbound")).to_have_count(1)
    await expect(page.locator(".msg-outbound")).to_contain_text(GREETING)
    card = await customer.bubble(page, "w.card")
    for shown in ("Ana Silva", "Silva Tailors", "+1 555 010 0100", "ana@silva.test"):
        await expect(card).to_contain_text(shown)
    await visitor.shot("inbox-location-and-card")

    await card.get_by_role("button", name="Add as customer").click()
    await expect(page.get_by_text("Ana Silva is now a customer")).to_be_visible()
    await expect(page.locator(".thread-head h2")).to_have_text("Ana Silva")
    await expect(page.locator(".thread-head")).to_contain_text("+1 555-010-0100")
    await visitor.shot("inbox-card-added")
    await page.go_back()
    await page.reload()
    card = await customer.bubble(page, "w.card")
    await card.get_by_role("button", name="Add as customer").click()
    await expect(page.get_by_text("Ana Silva was already a customer")).to_be_visible()
