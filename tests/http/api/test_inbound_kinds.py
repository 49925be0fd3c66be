"""What the API shows of every inbound kind, and a shared contact card added as a customer."""

from datetime import timedelta

from b2a.inbox import service as inbox
from b2a.inbox.rules import Transport
from b2a.inbox.tables import Conversation, Customer
from b2a.lib import clock
from b2a.tenants.scope import TenantScope
from b2a.whatsapp.inbound import Identity, InboundMessage
from tests.http.api.conftest import sandbox_channel

PHONE = "923001234567"
CARD = {
    "contacts": [
        {
            "name": "Ana Silva",
            "org": "Silva Tailors",
            "phones": [{"phone": "+1 (555) 010-0100", "wa_id": "", "type": "CELL"}],
            "emails": ["ana@silva.test"],
        },
        {"name": "No Number", "org": "", "phones": [], "emails": []},
    ]
}
LOCATION = {"latitude": 24.86, "longitude": 67.0, "name": "Dolmen Mall", "address": "Clifton"}
AD = {"headline": "Eid sale: 20% off", "source_url": "https://fb.me/ad", "source_type": "ad"}


def inbound(wamid, kind="text", text="", minutes=0, **fields):
    at = clock.now() + timedelta(minutes=minutes)
    return InboundMessage(
        wamid, [Identity("wa_id", PHONE)], PHONE, "Ayesha", kind, text, at, **fields
    )


async def _receive(scope, channel, *messages):
    for message in messages:
        event_id = await inbox.accept_inbound(scope, channel.id, Transport.SANDBOX, message)
        await inbox.store_inbound(scope, event_id)


async def test_the_thread_shows_reactions_edits_deletions_quotes_and_each_kinds_data(
    client, cast, tokens
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await sandbox_channel(scope)
    await _receive(
        scope,
        channel,
        inbound("w.1", text="2 shirts", data={"referral": AD}),
        inbound("w.2", "location", "📍 Dolmen Mall, Clifton", data=LOCATION),
        inbound("w.3", "contacts", "👤 Ana Silva", data=CARD),
        inbound("w.4", text="that place", reply_to="w.2"),
        inbound("w.r", "reaction", "🙏", target_id="w.2"),
        inbound("w.e", "edit", "3 shirts", minutes=1, target_id="w.1"),
        inbound("w.d", "revoke", target_id="w.3"),
    )
    conversation = await scope.objects(Conversation).first()
    url = f"/api/v1/conversations/{conversation.id}/messages"
    items = (await client.get(url, headers=tokens.acme_agent)).json()["items"]
    by_text = {item["kind"]: item for item in items}
    assert len(items) == 4
    first = items[-1]
    assert first["text"] == "3 shirts" and first["edited_at"]
    assert [version["text"] for version in first["history"]] == ["2 shirts"]
    assert first["data"]["referral"]["headline"] == "Eid sale: 20% off"
    location = by_text["location"]
    assert location["reaction"] == "🙏" and location["data"] == LOCATION
    card = by_text["contacts"]
    assert card["deleted_at"] and card["text"] == "" and card["data"] == {}
    quote = items[0]
    assert quote["reply_to"] == "w.2"
    assert quote["quoted"] == {
        "id": location["id"],
        "kind": "location",
        "text": "📍 Dolmen Mall, Clifton",
        "direction": "INBOUND",
        "deleted": False,
    }
    assert (await client.get(url, headers=tokens.globex_owner)).status_code == 404


async def test_a_contact_card_becomes_a_customer_once_with_a_conversation(client, cast, tokens):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await sandbox_channel(scope)
    await _receive(scope, channel, inbound("w.card", "contacts", "👤 Ana Silva", data=CARD))
    conversation = await scope.objects(Conversation).first()
    items = (
        await client.get(
            f"/api/v1/conversations/{conversation.id}/messages", headers=tokens.acme_agent
        )
    ).json()["items"]
    body = {"message_id": items[0]["id"], "card": 0}
    url = "/api/v1/customers/from-contact-card"
    added = await client.post(url, json=body, headers=tokens.acme_agent)
    assert added.status_code == 200, added.text
    assert added.json()["created"] and added.json()["phone"] == "15550100100"
    again = (await client.post(url, json=body, headers=tokens.acme_agent)).json()
    assert not again["created"]
    assert again["conversation_id"] == added.json()["conversation_id"]
    ana = await scope.get(Customer, added.json()["customer_id"])
    assert (ana.name, ana.phone) == ("Ana Silva", "15550100100")
    thread = await scope.get(Conversation, added.json()["conversation_id"])
    assert thread.channel == channel.id

    no_number = await client.post(url, json={**body, "card": 1}, headers=tokens.acme_agent)
    assert no_number.status_code == 422 and "country code" in no_number.json()["message"]
    missing = await client.post(url, json={**body, "card": 5}, headers=tokens.acme_agent)
    assert missing.status_code == 404
    outsider = await client.post(url, json=body, headers=tokens.globex_owner)
    assert outsider.status_code == 404


async def test_the_business_chooses_whether_deleted_words_stay_readable(client, cast, tokens):
    url = "/api/v1/settings/profile"
    assert (await client.get(url, headers=tokens.acme_owner)).json()["keep_deleted_text"] is False
    changed = await client.patch(url, json={"keep_deleted_text": True}, headers=tokens.acme_owner)
    assert changed.status_code == 200 and changed.json()["keep_deleted_text"] is True
    staff = await client.patch(url, json={"keep_deleted_text": False}, headers=tokens.acme_agent)
    assert staff.status_code == 403
