"""Every kind's fixture, signed and posted to the Cloud API webhook, through the real worker.

Each fixture (tests/fixtures/cloud/) goes the way Meta's delivery does: the signed
body to the webhook, the events to a running worker (media fetched from the fake
Graph API), then what an agent sees: the stored rows, the thread page and the API.
"""

import asyncio
import json
import time
from pathlib import Path

import pytest

from b2a.catalog.tables import Service
from b2a.db.columns import json_value
from b2a.inbox.channels import connect_cloud_channel
from b2a.inbox.rules import Author, DeliveryState, Direction
from b2a.inbox.tables import Conversation, Customer, InboundEvent, Message
from b2a.lib.crypto import SecretBox
from b2a.orders.tables import Order
from b2a.tenants.scope import TenantScope
from b2a.whatsapp.cloud_api import CloudCredentials
from tests.conftest import PASSWORD
from tests.fakes.graph_api import TOKEN, FakeGraphApi
from tests.http.webhooks.test_whatsapp import SECRET, signed
from tests.pipeline import running_worker

FIXTURES = Path(__file__).parents[2] / "fixtures" / "cloud"
# Customers' messages first, then what changes them, then WhatsApp's notices.
ORDER = [
    "text",
    "image",
    "video",
    "audio",
    "document",
    "sticker",
    "location",
    "contacts",
    "reply",
    "form",
    "order",
    "unsupported",
    "edit",
    "reaction",
    "revoke",
    "system",
]
MEDIA_IDS = {
    "1479537139650973": "image/jpeg",
    "1054326469437519": "video/mp4",
    "913478209875334": "audio/ogg",
    "771982345619002": "audio/mpeg",
    "3214567890123456": "application/pdf",
    "8675309867530": "image/webp",
    "8675309867531": "image/webp",
}


def _fixture(kind):
    """The fixture as if sent just now: the 24-hour window is open for the answers."""
    payload = json.loads((FIXTURES / f"{kind}.json").read_text())
    for entry in payload["entry"]:
        for change in entry["changes"]:
            for message in change["value"].get("messages", []):
                message["timestamp"] = str(int(time.time()))
    return payload


@pytest.fixture
def graph():
    with FakeGraphApi() as fake:
        for media_id, mime in MEDIA_IDS.items():
            fake.state.media[media_id] = (f"bytes of {media_id}".encode(), mime)
        yield fake


@pytest.fixture
def settings(make_web_settings, graph):
    return make_web_settings(B2A_WHATSAPP_GRAPH_URL=graph.base_url)


async def _post(browser, channel_id, payload):
    body, headers = signed(payload)
    response = await browser.client.post(
        f"/webhooks/whatsapp/{channel_id}", content=body, headers=headers
    )
    assert response.status_code == 200, response.text


async def _all_processed(scope):
    for _ in range(600):
        waiting = (
            await scope.count(InboundEvent)
            .where(InboundEvent.processed_at.is_null() & InboundEvent.dead_at.is_null())
            .run()
        )
        if waiting == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the worker left events unprocessed")


async def _file_of(scope, settings, wamid):
    message = await scope.objects(Message).where(Message.wa_message_id == wamid).first()
    assert message.media_path, f"{wamid} has its file"
    return settings.core.media_root / str(scope.tenant_id) / message.media_path


async def _the_business_said(scope, wamid):
    """The message the customer reacts to: one the business sent in the conversation."""
    conversation = await scope.objects(Conversation).first()
    await scope.new(
        Message,
        conversation=conversation.id,
        direction=Direction.OUTBOUND,
        author=Author.AGENT,
        text="Here is the cake you asked about",
        wa_message_id=wamid,
        state=DeliveryState.READ,
    ).save()


async def test_every_kind_posted_signed_is_stored_shown_and_listed(browser, cast, settings):
    scope = TenantScope(cast.acme_owner.tenant_id)
    credentials = CloudCredentials("PNID1", TOKEN, "WABA", app_secret=SECRET, verify_token="vt")
    channel = await connect_cloud_channel(
        scope, credentials, SecretBox(settings.core.encryption_key)
    )
    await scope.new(
        Service, name="Chocolate cake 1 kg", price_minor=450000, currency="USD", sku="CAKE-CHOC-1KG"
    ).save()
    async with running_worker(settings):
        for kind in ORDER:
            if kind == "edit":
                await _the_business_said(scope, "wamid.business.quote")
            await _post(browser, channel.id, _fixture(kind))
            await _all_processed(scope)
        again = _fixture("reaction")
        [add] = [
            m for m in again["entry"][0]["changes"][0]["value"]["messages"] if "add" in m["id"]
        ]
        again["entry"][0]["changes"][0]["value"]["messages"] = [{**add, "id": "wamid.reaction.2"}]
        await _post(browser, channel.id, again)
        await _all_processed(scope)
        sticker = await _file_of(scope, settings, "wamid.sticker.static")
        assert sticker.read_bytes() == b"bytes of 8675309867530"
        deleting = _fixture("revoke")
        [revoke] = deleting["entry"][0]["changes"][0]["value"]["messages"]
        revoke.update({"id": "wamid.revoke.sticker"})
        revoke["revoke"]["original_message_id"] = "wamid.sticker.static"
        await _post(browser, channel.id, deleting)
        await _all_processed(scope)
    assert not sticker.exists(), "a deleted file the business does not keep is removed"

    dead = await scope.count(InboundEvent).where(InboundEvent.dead_at.is_not_null()).run()
    assert dead == 0
    rows = await scope.select(Message, Message.wa_message_id, Message.kind, Message.text).where(
        Message.direction == Direction.INBOUND
    )
    stored = {row["wa_message_id"]: (row["kind"], row["text"]) for row in rows}
    for annotation in ("wamid.edit.text", "wamid.reaction.add", "wamid.revoke.1"):
        assert annotation not in stored, "reactions, edits and deletions are not messages"
    assert stored["wamid.text.plain"] == ("text", "Is the chocolate cake available on Saturday?")
    assert stored["wamid.image.1"] == ("image", "Like this but in green")
    assert stored["wamid.text.forwarded"] == ("text", ""), "deleted, and not kept"
    assert stored["wamid.location.named"][0] == "location"
    assert stored["wamid.unsupported.future"][0] == "unsupported"
    assert stored["wamid.system.number"][0] == "system"
    for kind in ("sticker", "contacts", "reply", "form", "order", "audio", "video", "document"):
        assert kind in {k for k, _ in stored.values()}, kind
    files = await scope.select(Message, Message.wa_message_id, Message.media_path).where(
        Message.media_path != ""
    )
    assert {row["wa_message_id"] for row in files} >= {"wamid.image.1", "wamid.sticker.animated"}
    business = (
        await scope.objects(Message).where(Message.wa_message_id == "wamid.business.quote").first()
    )
    assert business.reaction == "👍"
    customer = await scope.objects(Customer).where(Customer.phone == "923009998877").first()
    assert customer is not None, "the number change moved the customer"
    [order] = await scope.objects(Order)
    assert "CUPCAKE-BOX-6" in json.dumps(json_value(order.flags)), "not in the catalogue"
    told = await scope.select(Message, Message.text).where(Message.author == Author.SYSTEM)
    assert any(row["text"].startswith(f"Order request #{order.number}:") for row in told)

    thread = await scope.objects(Conversation).where(Conversation.customer == customer.id).first()
    await browser.log_in(cast.acme_agent.email, PASSWORD)
    page = (await browser.get(f"/app/inbox/{thread.id}")).text
    for shown in (
        "Is the chocolate cake available on Saturday?",
        "edited",
        "Deleted by the customer",
        "👍",
        "Dolmen Mall",
        "https://www.openstreetmap.org/?mlat=",
        "Bilal Ahmed",
        "Add as customer",
        "Friday 4 pm",
        "Pick-up at the Clifton shop",
        "Ayesha Khan",
        "CAKE-CHOC-1KG",
        "hologram",
        "From your ad:",
        "December order.pdf",
        "changed from 923001234567 to 923009998877",
    ):
        assert shown in page, shown
    assert "Sale this week only!" not in page

    listed = await browser.get(f"/api/v1/conversations/{thread.id}/messages?limit=100")
    assert listed.status_code == 200, listed.text
    ids = await scope.select(Message, Message.id, Message.wa_message_id).run()
    wamids = {str(row["id"]): row["wa_message_id"] for row in ids}
    by_id = {wamids[item["id"]]: item for item in listed.json()["items"]}
    assert by_id["wamid.location.named"]["data"]["name"].startswith("Dolmen Mall")
    assert by_id["wamid.contacts.1"]["data"]["contacts"][0]["name"].startswith("Bilal Ahmed")
    assert by_id["wamid.text.plain"]["history"][0]["text"].endswith("on Friday?")
    assert by_id["wamid.text.forwarded"]["deleted_at"] is not None
    assert by_id["wamid.business.quote"]["reaction"] == "👍"
    assert by_id["wamid.reply.list"]["data"]["description"] == "Pick-up at the Clifton shop"
    gone = by_id["wamid.sticker.static"]
    assert gone["deleted_at"] is not None
    assert (await browser.get(f"/api/v1/messages/{gone['id']}/media")).status_code == 404
