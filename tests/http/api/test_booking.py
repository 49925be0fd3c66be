"""A salon's customer books a time through the sandbox, and the team approves it (SPEC §11)."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from b2a.audit.tables import AuditEntry
from b2a.tenants.scope import TenantScope
from tests.http.api.conftest import sandbox_channel, seed_conversation
from tests.pipeline import eventually, running_worker

PHONE = "+92 300 7654321"
ZONE = ZoneInfo("Asia/Karachi")
ORDERS_NEED = "/api/v1/catalog/orders-need"


async def salon(client, owner):
    """Manicure at PKR 1,200; open every day 10:00–20:00 in Lahore; orders need a name and time."""
    for url, body in (
        ("/api/v1/settings/currency", {"currency": "PKR", "prices": {}}),
        ("/api/v1/settings/profile", {"time_zone": "Asia/Karachi"}),
        ("/api/v1/settings/assistant", {"required_order_fields": ["name"]}),
    ):
        response = await client.request(
            "PATCH" if "currency" not in url else "POST", url, json=body, headers=owner
        )
        assert response.status_code in (200, 201), (url, response.text)
    hours = [{"weekday": d, "opens": "10:00", "closes": "20:00"} for d in range(7)]
    assert (await client.put("/api/v1/settings/hours", json=hours, headers=owner)).is_success
    made = await client.post(
        "/api/v1/services", json={"name": "Manicure", "price": "1200"}, headers=owner
    )
    assert made.status_code == 201, made.text
    chosen = await client.put(ORDERS_NEED, json={"orders_need": "time"}, headers=owner)
    assert chosen.status_code == 200 and chosen.json() == {"orders_need": "time"}


async def test_orders_need_is_read_by_members_and_set_by_admins_only_with_an_audit_entry(
    client, cast, tokens
):
    assert (await client.get(ORDERS_NEED, headers=tokens.acme_agent)).json() == {
        "orders_need": "address"
    }
    refused = await client.put(ORDERS_NEED, json={"orders_need": "none"}, headers=tokens.acme_agent)
    assert refused.status_code == 403
    wrong = await client.put(ORDERS_NEED, json={"orders_need": "car"}, headers=tokens.acme_owner)
    assert wrong.status_code in (400, 422)
    done = await client.put(ORDERS_NEED, json={"orders_need": "none"}, headers=tokens.acme_owner)
    assert done.json() == {"orders_need": "none"}
    assert (await client.get(ORDERS_NEED, headers=tokens.globex_owner)).json() == {
        "orders_need": "address"
    }
    [entry] = (
        await AuditEntry.select().where(AuditEntry.event == "orders.need").output(load_json=True)
    )
    assert entry["tenant"] == cast.acme_owner.tenant_id
    assert entry["detail"] == {"before": "address", "after": "none"}


async def test_a_customer_books_a_manicure_for_tomorrow_at_five_and_the_approval_repeats_it(
    client, tokens, settings
):
    owner, agent = tokens.acme_owner, tokens.acme_agent
    await salon(client, owner)
    await client.post("/api/v1/sandbox/channel", headers=agent)

    async def replies(count):
        response = await client.get(
            "/api/v1/sandbox/messages", params={"phone": PHONE}, headers=agent
        )
        sent = [m for m in response.json() if m["direction"] == "OUTBOUND" and m["state"] == "SENT"]
        return sent if len(sent) >= count else None

    async def say(text, count):
        sent = await client.post(
            "/api/v1/sandbox/messages",
            json={"phone": PHONE, "text": text},
            headers=agent,
        )
        assert sent.status_code == 202, sent.text
        return (await eventually(lambda: replies(count)))[-1]["text"]

    tomorrow = datetime.now(UTC).astimezone(ZONE).date() + timedelta(days=1)
    at = datetime.combine(tomorrow, time(17), tzinfo=ZONE)
    spoken = f"{at:%A} {at.day} {at:%B} at 17:00"
    async with running_worker(settings):
        first = await say("I want to book a manicure tomorrow", 1)
        assert "What time tomorrow? We are open 10:00–20:00." in first
        second = await say("5 baje", 2)
        assert "17:00 tomorrow works. Please share your name." in second
        third = await say("Sana Tariq", 3)
        assert third.startswith("Thank you, Sana Tariq.")
        assert f"for {spoken}, now waiting for our team's approval" in third

        [order] = (await client.get("/api/v1/orders", headers=agent)).json()["items"]
        assert order["status"] == "PENDING_APPROVAL"
        stored = datetime.fromisoformat(order["requested_at"])
        assert stored == at and stored.utcoffset() == timedelta(0)
        detail = (await client.get(f"/api/v1/orders/{order['id']}", headers=agent)).json()
        assert detail["details"]["name"] == "Sana Tariq" and detail["missing_fields"] == []
        conversation = (await client.get("/api/v1/conversations", headers=agent)).json()
        assert conversation["items"][0]["owner"] == "AI"

        approved = await client.post(f"/api/v1/orders/{order['id']}/approve", headers=agent)
        assert approved.status_code == 200, approved.text
        told = await eventually(lambda: replies(4))
    assert told[-1]["author"] == "SYSTEM"
    assert (
        f"approved your order request #{order['number']} (PKR 1,200) for {spoken}."
        in (told[-1]["text"])
    )


async def test_staff_set_a_time_inside_the_hours_and_a_time_outside_is_refused_naming_them(
    client, cast, tokens
):
    owner, agent = tokens.acme_owner, tokens.acme_agent
    await salon(client, owner)
    hours = [{"weekday": d, "opens": "10:00", "closes": "20:00"} for d in range(6)]
    sunday_closed = [*hours, {"weekday": 6, "closed": True}]
    assert (
        await client.put("/api/v1/settings/hours", json=sunday_closed, headers=owner)
    ).is_success
    scope = TenantScope(cast.acme_owner.tenant_id)
    conversation = await seed_conversation(scope, await sandbox_channel(scope))
    [service] = (await client.get("/api/v1/services", headers=agent)).json()
    sunday = datetime(2030, 1, 6, 12, 0, tzinfo=ZONE)
    late = datetime(2030, 1, 8, 21, 0, tzinfo=ZONE)
    body = {"conversation_id": str(conversation.id), "items": [{"service_id": service["id"]}]}

    closed = await client.post(
        "/api/v1/orders", json={**body, "requested_at": sunday.isoformat()}, headers=agent
    )
    assert closed.status_code == 422 and closed.json()["field"] == "requested_at"
    assert (
        "Sunday 6 January at 12:00 is outside our opening hours: we are closed on Sundays"
        in (closed.json()["message"])
    )
    made = await client.post(
        "/api/v1/orders", json={**body, "details": {"name": "Sana"}}, headers=agent
    )
    assert made.json()["status"] == "DRAFT" and made.json()["missing_fields"] == ["time"]
    outside = await client.patch(
        f"/api/v1/orders/{made.json()['id']}",
        json={"requested_at": late.isoformat()},
        headers=agent,
    )
    assert outside.status_code == 422
    assert "outside our opening hours: Tuesday 10:00–20:00" in outside.json()["message"]
    inside = await client.patch(
        f"/api/v1/orders/{made.json()['id']}",
        json={"requested_at": late.replace(hour=11).isoformat()},
        headers=agent,
    )
    assert inside.json()["status"] == "PENDING_APPROVAL"
    assert inside.json()["requested_at"] == "2030-01-08T06:00:00Z"
