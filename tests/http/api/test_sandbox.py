"""The customer simulator goes through the real pipeline: accept, worker, reply step, send."""

from saq import Status

from b2a.assistant.tables import AssistantConfig
from b2a.catalog.tables import Service
from b2a.inbox.rules import Direction, Transport
from b2a.inbox.tables import Channel, Customer, CustomerIdentity, InboundEvent, Message
from b2a.lib import queue as job_queue
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant, WorkingHours
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


GREETING = "Assalam o alaikum! Welcome to Acme."
AWAY = "We are closed right now; our team is back at 9."


async def _closed_with_greeting_and_away(cast):
    scope = TenantScope(cast.acme_owner.tenant_id)
    await Tenant.update({Tenant.greeting_message: GREETING, Tenant.away_message: AWAY}).where(
        Tenant.id == scope.tenant_id
    )
    for weekday in range(7):
        await scope.new(WorkingHours, weekday=weekday, closed=True).save()
    return scope


async def _say(client, h, text):
    sent = await client.post(
        "/api/v1/sandbox/messages", json={"phone": PHONE, "name": "Ayesha", "text": text}, headers=h
    )
    assert sent.status_code == 202, sent.text


async def _outbound(client, h, *, sent_only=True):
    response = await client.get("/api/v1/sandbox/messages", params={"phone": PHONE}, headers=h)
    return [
        m
        for m in response.json()
        if m["direction"] == "OUTBOUND" and (m["state"] == "SENT" or not sent_only)
    ]


async def _settled(worker, *keys):
    """Wait until every job named is complete."""

    async def done():
        jobs = [await worker.queue.job(key) for key in keys]
        return all(job is not None and job.status == Status.COMPLETE for job in jobs)

    await eventually(done)


async def test_hi_outside_hours_gets_one_message_greeting_away_and_answer_even_when_retried(
    client, cast, tokens, settings
):
    scope = await _closed_with_greeting_and_away(cast)
    h = tokens.acme_agent
    await client.post("/api/v1/sandbox/channel", headers=h)
    await _say(client, h, "hi")

    async with running_worker(settings) as worker:
        [reply] = await eventually(lambda: _outbound(client, h))
        # A redelivered event and a retried turn, once all is done, say nothing again.
        event = await scope.objects(InboundEvent).first()
        [message] = await scope.select(Message, Message.id, Message.conversation).where(
            Message.direction == Direction.INBOUND
        )
        again = {"tenant_id": str(scope.tenant_id)}
        await job_queue.enqueue("process_inbound", key="again-in", event_id=str(event.id), **again)
        await job_queue.enqueue(
            "assistant_reply",
            key="again-turn",
            conversation_id=str(message["conversation"]),
            message_id=str(message["id"]),
            **again,
        )
        await _settled(worker, "again-in", "again-turn")

    assert reply["author"] == "AI"
    greeting, away, answer = reply["text"].split("\n\n", 2)
    assert (greeting, away) == (GREETING, AWAY)
    # The business greeted already: the assistant offers help without a second hello.
    assert "Welcome to" not in answer and answer.endswith("How can I help you?")
    assert "Our team is back" not in answer
    assert len(await _outbound(client, h, sent_only=False)) == 1


async def test_with_the_assistant_off_greeting_and_away_go_as_before(
    client, cast, tokens, settings
):
    scope = await _closed_with_greeting_and_away(cast)
    await scope.new(AssistantConfig, enabled=False).save()
    h = tokens.acme_agent
    await client.post("/api/v1/sandbox/channel", headers=h)
    await _say(client, h, "hi")

    async def both():
        sent = await _outbound(client, h)
        return sent if len(sent) == 2 else None

    async with running_worker(settings):
        sent = await eventually(both)

    assert [(m["author"], m["text"]) for m in sent] == [("SYSTEM", GREETING), ("SYSTEM", AWAY)]


async def test_an_order_built_over_three_messages_lists_every_item_with_the_total(
    client, cast, tokens, settings
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    for name, price in (("Bridal Makeup", 4000000), ("Manicure", 650000), ("Hair Colour", 650000)):
        await scope.new(Service, name=name, price_minor=price, currency="PKR").save()
    h = tokens.acme_agent
    await client.post("/api/v1/sandbox/channel", headers=h)

    async with running_worker(settings):
        for count, text in enumerate(
            ("I want to book bridal makeup", "also book a manicure", "and book a hair colour"),
            start=1,
        ):
            await _say(client, h, text)

            async def answered(count=count):
                sent = await _outbound(client, h)
                return sent if len(sent) == count else None

            *_, last = await eventually(answered)

    *summary, last = last["text"].split("In this request:\n", 1)[1].splitlines()
    assert summary == [
        "Bridal Makeup, quantity 1: PKR 40,000 each",
        "Hair Colour, quantity 1: PKR 6,500 each",
        "Manicure, quantity 1: PKR 6,500 each",
    ]
    assert last.startswith("Order request #1: PKR 53,000 in total")


async def test_named_test_customers_are_made_listed_and_reopened_by_id(
    client, cast, tokens, settings
):
    h = tokens.acme_agent
    made = await client.post("/api/v1/sandbox/customers", json={"name": " Ayesha "}, headers=h)
    assert made.status_code == 201, made.text
    ayesha = made.json()
    assert (ayesha["name"], ayesha["phone"], ayesha["conversation_id"]) == (
        "Ayesha",
        "447700900000",
        None,
    )
    unnamed = (await client.post("/api/v1/sandbox/customers", json={}, headers=h)).json()
    assert (unnamed["name"], unnamed["phone"]) == ("", "447700900001")

    sent = await client.post(
        f"/api/v1/sandbox/customers/{ayesha['id']}/messages", json={"text": "hi"}, headers=h
    )
    assert sent.status_code == 202 and sent.json()["phone"] == "447700900000"

    async def answered():
        chat = await client.get(f"/api/v1/sandbox/customers/{ayesha['id']}/messages", headers=h)
        items = chat.json()
        return items if any(m["direction"] == "OUTBOUND" for m in items) else None

    async with running_worker(settings):
        chat = await eventually(answered)
    assert chat[0]["text"] == "hi" and chat[0]["direction"] == "INBOUND"

    listed = (await client.get("/api/v1/sandbox/customers", headers=h)).json()
    assert [c["name"] for c in listed] == ["Ayesha", ""], "the latest chat first"
    assert listed[0]["last_message_at"] and listed[0]["conversation_id"]
    one = (await client.get(f"/api/v1/sandbox/customers/{ayesha['id']}", headers=h)).json()
    assert one["last_message_preview"] == listed[0]["last_message_preview"]
    inbox = (await client.get("/api/v1/conversations", headers=h)).json()["items"]
    assert [(c["customer"]["name"], c["transport"]) for c in inbox] == [("Ayesha", "sandbox")]

    outsider = tokens.globex_owner
    assert (await client.get("/api/v1/sandbox/customers", headers=outsider)).json() == []
    for path in (
        f"/api/v1/sandbox/customers/{ayesha['id']}",
        f"/api/v1/sandbox/customers/{ayesha['id']}/messages",
    ):
        assert (await client.get(path, headers=outsider)).status_code == 404
    stolen = await client.post(
        f"/api/v1/sandbox/customers/{ayesha['id']}/messages", json={"text": "x"}, headers=outsider
    )
    assert stolen.status_code == 404


async def test_a_real_customer_is_no_test_customer(client, cast, tokens):
    scope = TenantScope(cast.acme_owner.tenant_id)
    real = scope.new(Customer, name="Real", phone="923001234567")
    await real.save()
    h = tokens.acme_agent
    assert (await client.get(f"/api/v1/sandbox/customers/{real.id}", headers=h)).status_code == 404
    sent = await client.post(
        f"/api/v1/sandbox/customers/{real.id}/messages", json={"text": "hi"}, headers=h
    )
    assert sent.status_code == 404 and not await scope.exists(InboundEvent)
    long_name = await client.post("/api/v1/sandbox/customers", json={"name": "x" * 121}, headers=h)
    assert long_name.status_code == 422 and long_name.json()["field"] == "name"


async def test_when_all_thousand_test_numbers_are_used_the_next_is_refused_with_the_fix(
    client, cast, tokens
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    holder = scope.new(Customer, name="Many", sandbox=True)
    await holder.save()
    await CustomerIdentity.insert(
        *(
            scope.new(
                CustomerIdentity, customer=holder.id, kind="phone", value=str(447700900000 + n)
            )
            for n in range(1000)
        )
    )
    refused = await client.post("/api/v1/sandbox/customers", json={}, headers=tokens.acme_agent)
    assert refused.status_code == 409
    assert (
        "All 1,000 test numbers" in refused.json()["message"]
        and "erase" in refused.json()["message"]
    )


async def test_sandbox_chats_use_none_of_a_tiny_quota_and_stay_out_of_the_figures(
    client, cast, tokens, settings
):
    await Tenant.update({Tenant.ai_daily_limit: 1, Tenant.ai_monthly_limit: 1}).where(
        Tenant.id == cast.acme_owner.tenant_id
    )
    scope = TenantScope(cast.acme_owner.tenant_id)
    for name in ("Haircut", "Facial", "Manicure"):
        await scope.new(Service, name=name, price_minor=150000, currency="PKR").save()
    h = tokens.acme_owner
    tester = (await client.post("/api/v1/sandbox/customers", json={}, headers=h)).json()
    chat = f"/api/v1/sandbox/customers/{tester['id']}/messages"

    async with running_worker(settings):
        for count, text in enumerate(
            ("haircut kitne ka hai?", "facial kitne ka hai?", "manicure kitne ka hai?"), start=1
        ):
            await client.post(chat, json={"text": text}, headers=h)

            async def answered(count=count):
                items = (await client.get(chat, headers=h)).json()
                sent = [m for m in items if m["author"] == "AI" and m["state"] == "SENT"]
                return sent if len(sent) == count else None

            replies = await eventually(answered)
    fallback = "A member of our team will reply shortly"
    assert not any(fallback in m["text"] for m in replies), "every test turn was answered"
    conversation = (await client.get("/api/v1/conversations", headers=h)).json()["items"][0]
    assert conversation["owner"] == "AI", "no limit handed the test chat to the team"

    board = (await client.get("/api/v1/dashboard", headers=h)).json()
    assert (board["ai_replies_today"], board["messages_in_today"]) == (0, 0)
    account = (await client.get("/api/v1/billing/", headers=h)).json()
    assert account["usage"]["ai_replies_today"] == 0
    week = (await client.get("/api/v1/analytics", headers=h)).json()
    assert sum(week["messages"][0]["values"]) == 0 and week["include_sandbox"] is False
    everything = (
        await client.get("/api/v1/analytics", params={"include_sandbox": "true"}, headers=h)
    ).json()
    assert sum(everything["messages"][0]["values"]) == 3
    assert sum(everything["ai_usage"][0]["values"]) == 3
