"""The customer simulator goes through the real pipeline: accept, worker, reply step, send."""

from b2a.catalog.tables import Service
from b2a.inbox.rules import Transport
from b2a.inbox.tables import Channel, InboundEvent
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant
from tests.pipeline import eventually, running_worker

PHONE = "+92 300 1234567"


async def test_a_simulated_customer_is_greeted_through_the_worker(client, cast, tokens, settings):
    await Tenant.update({Tenant.greeting_message: "Assalam o alaikum! How can we help?"}).where(
        Tenant.id == cast.acme_owner.tenant_id
    )
    h = tokens.acme_agent
    channel = (await client.post("/api/v1/sandbox/channel", headers=h)).json()
    assert channel["transport"] == "sandbox" and channel["state"] == "CONNECTED"
    again = (await client.post("/api/v1/sandbox/channel", headers=h)).json()
    assert again["id"] == channel["id"]

    sent = await client.post(
        "/api/v1/sandbox/messages",
        json={"phone": PHONE, "name": "Ayesha", "text": "cake ka price?"},
        headers=h,
    )
    assert sent.status_code == 202 and sent.json()["phone"] == "923001234567"
    scope = TenantScope(cast.acme_owner.tenant_id)
    assert await scope.count(InboundEvent) == 1  # accepted durably before the worker runs

    async def chat():
        response = await client.get("/api/v1/sandbox/messages", params={"phone": PHONE}, headers=h)
        items = response.json()
        greeted = [m for m in items if m["direction"] == "OUTBOUND" and m["state"] == "SENT"]
        return (items[0], greeted[0]) if greeted else None

    async with running_worker(settings):
        customer, greeting = await eventually(chat)
    assert customer["direction"] == "INBOUND" and customer["text"] == "cake ka price?"
    assert greeting["author"] == "AI", "the greeting leads the assistant's one reply"
    assert greeting["text"].startswith("Assalam o alaikum! How can we help?\n\n")

    inbox = (await client.get("/api/v1/conversations", headers=h)).json()["items"]
    assert [c["customer"]["name"] for c in inbox] == ["Ayesha"]
    assert inbox[0]["transport"] == "sandbox"
    assert await scope.count(Channel).where(Channel.transport == Transport.SANDBOX) == 1


async def test_a_bad_number_or_empty_text_is_refused(client, tokens):
    bad = await client.post(
        "/api/v1/sandbox/messages", json={"phone": "12", "text": "hi"}, headers=tokens.acme_agent
    )
    assert bad.status_code == 422 and bad.json()["field"] == "phone"
    empty = await client.post(
        "/api/v1/sandbox/messages", json={"phone": PHONE, "text": ""}, headers=tokens.acme_agent
    )
    assert empty.status_code == 422 and empty.json()["field"] == "text"


async def test_the_assistant_answers_a_simulated_customer_with_the_catalogue_price(
    client, cast, tokens, settings
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    await scope.new(Service, name="Chocolate cake", price_minor=280000, currency="PKR").save()
    h = tokens.acme_agent
    await client.post("/api/v1/sandbox/channel", headers=h)
    await client.post(
        "/api/v1/sandbox/messages",
        json={"phone": PHONE, "name": "Ayesha", "text": "chocolate cake kitne ka hai?"},
        headers=h,
    )

    async def answered():
        response = await client.get("/api/v1/sandbox/messages", params={"phone": PHONE}, headers=h)
        return [m for m in response.json() if m["author"] == "AI" and m["state"] == "SENT"]

    async with running_worker(settings):
        [answer] = await eventually(answered)
    assert "Chocolate cake" in answer["text"] and "2,800" in answer["text"]


async def test_after_a_currency_change_the_assistant_quotes_the_new_currency(
    client, tokens, settings
):
    owner, agent = tokens.acme_owner, tokens.acme_agent
    made = await client.post(
        "/api/v1/services", json={"name": "Haircut", "price": "15"}, headers=owner
    )
    switched = await client.post(
        "/api/v1/settings/currency",
        json={"currency": "PKR", "prices": {made.json()["id"]: "1500"}},
        headers=owner,
    )
    assert switched.status_code == 200, switched.text
    await client.post("/api/v1/sandbox/channel", headers=agent)
    await client.post(
        "/api/v1/sandbox/messages",
        json={"phone": PHONE, "text": "haircut kitne ka hai?"},
        headers=agent,
    )

    async def answered():
        response = await client.get(
            "/api/v1/sandbox/messages", params={"phone": PHONE}, headers=agent
        )
        return [m for m in response.json() if m["author"] == "AI" and m["state"] == "SENT"]

    async with running_worker(settings):
        [answer] = await eventually(answered)
    assert "Haircut" in answer["text"] and "PKR 1,500" in answer["text"]
    assert "USD" not in answer["text"]
