"""Settings: tenant admins change the profile, hours and assistant; the next turn obeys."""

from b2a.assistant.tables import AIUsage
from b2a.assistant.turn import take_turn
from b2a.catalog.tables import Service
from b2a.inbox import service as inbox
from b2a.inbox.rules import Transport
from b2a.inbox.tables import Conversation
from b2a.lib import clock
from b2a.tenants.scope import TenantScope
from b2a.whatsapp.inbound import Identity, InboundMessage
from tests.http.api.conftest import sandbox_channel
from tests.pipeline import installed_queue

ASSISTANT = "/api/v1/settings/assistant"
PROFILE = "/api/v1/settings/profile"
HOURS = "/api/v1/settings/hours"


async def test_staff_can_neither_read_nor_change_settings(client, tokens):
    for method, url, body in (
        ("GET", ASSISTANT, None),
        ("PATCH", ASSISTANT, {"threshold": 0.6}),
        ("GET", PROFILE, None),
        ("PATCH", PROFILE, {"name": "Mine"}),
        ("PUT", HOURS, []),
    ):
        response = await client.request(method, url, json=body, headers=tokens.acme_agent)
        assert response.status_code == 403, (method, url)


async def test_assistant_settings_start_at_the_defaults_and_change_field_by_field(client, tokens):
    h = tokens.acme_owner
    defaults = (await client.get(ASSISTANT, headers=h)).json()
    assert defaults["enabled"] is True and defaults["threshold"] == 0.85
    assert defaults["required_order_fields"] == ["name", "phone"]

    changed = await client.patch(
        ASSISTANT,
        json={
            "threshold": 0.9,
            "prohibited_phrases": ["  free   delivery ", "Free delivery", "guaranteed"],
            "intent_keywords": {"order": ["Bhej do", "bhej do"]},
            "required_order_fields": ["email", "name"],
        },
        headers=h,
    )

    body = changed.json()
    assert changed.status_code == 200
    assert body["threshold"] == 0.9 and body["fallback_text"] == defaults["fallback_text"]
    assert body["prohibited_phrases"] == ["free delivery", "guaranteed"]
    assert body["intent_keywords"] == {"order": ["bhej do"]}
    assert body["required_order_fields"] == ["name", "email"]
    assert (await client.get(ASSISTANT, headers=tokens.globex_owner)).json()["threshold"] == 0.85


async def test_wrong_assistant_settings_name_the_field(client, tokens):
    h = tokens.acme_owner
    for body, field in (
        ({"threshold": 0.2}, "threshold"),
        ({"fallback_text": "   "}, "fallback_text"),
        ({"intent_keywords": {"discount": ["sasta"]}}, "intent_keywords"),
        ({"required_order_fields": ["cnic"]}, "required_order_fields"),
        ({"required_order_fields": ["address"]}, "required_order_fields"),
        ({"prohibited_phrases": ["- - -"]}, "prohibited_phrases"),
    ):
        response = await client.patch(ASSISTANT, json=body, headers=h)
        assert response.status_code == 422, body
        assert response.json()["field"] == field
    assert (await client.get(ASSISTANT, headers=h)).json()["threshold"] == 0.85


async def test_a_prohibited_phrase_added_now_blocks_the_next_reply(
    client, cast, tokens, settings, redis
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    await scope.new(Service, name="Haircut", price_minor=150000, currency="PKR").save()
    channel = await sandbox_channel(scope)
    await client.patch(
        ASSISTANT, json={"prohibited_phrases": ["haircut"]}, headers=tokens.acme_owner
    )
    message = InboundMessage(
        "wamid.x", [Identity("wa_id", "923001234567")], "923001234567", "Ayesha", "text",
        "haircut price?", clock.now(),
    )  # fmt: skip
    stored = await inbox.store_inbound(
        scope, await inbox.accept_inbound(scope, channel.id, Transport.SANDBOX, message)
    )

    async with installed_queue(settings):
        result = await take_turn(scope, stored.conversation_id, stored.message_id, redis)

    assert result.outcome == "blocked"
    assert "prohibited" in (await scope.get(Conversation, stored.conversation_id)).owner_reason
    assert (await scope.select(AIUsage, AIUsage.outcome))[0]["outcome"] == "blocked"


async def test_the_profile_and_hours_change_and_bad_values_are_refused(client, tokens):
    h = tokens.acme_owner
    changed = await client.patch(
        PROFILE,
        json={"time_zone": "Asia/Karachi", "currency": "usd", "greeting_message": " Salam! "},
        headers=h,
    )
    assert changed.status_code == 200
    body = changed.json()
    assert (body["time_zone"], body["currency"], body["greeting_message"]) == (
        "Asia/Karachi",
        "USD",
        "Salam!",
    )
    plain = await client.patch(PROFILE, json={"currency": "pkr"}, headers=h)
    assert plain.status_code == 409 and plain.json()["code"] == "CURRENCY_NEEDS_REPRICING"
    assert "POST /api/v1/settings/currency" in plain.json()["message"]
    assert body["name"] == "Acme" and body["hours"] == []

    hours = await client.put(
        HOURS,
        json=[{"weekday": 0, "opens": "09:00", "closes": "17:00"}, {"weekday": 5, "closed": True}],
        headers=h,
    )
    days = hours.json()["hours"]
    assert len(days) == 7
    assert [d["weekday"] for d in days if not d["closed"]] == [0]

    for url, method, body, field in (
        (PROFILE, "PATCH", {"time_zone": "Mars/Olympus"}, "time_zone"),
        (PROFILE, "PATCH", {"currency": "rupees"}, "currency"),
        (PROFILE, "PATCH", {"currency": "XYZ"}, "currency"),
        (PROFILE, "PATCH", {"name": ""}, "name"),
        (HOURS, "PUT", [{"weekday": 0, "opens": "9am"}], "hours"),
        (HOURS, "PUT", [{"weekday": 1}, {"weekday": 1}], "hours"),
        (HOURS, "PUT", [{"weekday": 2, "opens": "10:00", "closes": "10:00"}], "hours"),
    ):
        response = await client.request(method, url, json=body, headers=h)
        assert response.status_code == 422, body
        assert response.json()["field"] == field
    assert (await client.put(HOURS, json=[], headers=h)).json()["hours"] == []


async def test_every_member_sees_the_dashboard_and_only_admins_the_analytics(client, tokens):
    board = await client.get("/api/v1/dashboard", headers=tokens.acme_agent)
    assert board.status_code == 200 and board.json()["pending_orders"] == 0
    assert (await client.get("/api/v1/analytics", headers=tokens.acme_agent)).status_code == 403
    month = await client.get("/api/v1/analytics", params={"days": 30}, headers=tokens.acme_owner)
    assert month.status_code == 200 and len(month.json()["days"]) == 30
    wrong = await client.get("/api/v1/analytics", params={"days": 9}, headers=tokens.acme_owner)
    assert wrong.status_code == 422 and wrong.json()["field"] == "days"


async def test_the_currency_changes_only_with_a_price_for_every_service(client, tokens, cast):
    owner = tokens.acme_owner
    made = await client.post(
        "/api/v1/services", json={"name": "Haircut", "price": "15"}, headers=owner
    )
    haircut = made.json()["id"]
    plan = await client.get("/api/v1/settings/currency", params={"to": "pkr"}, headers=owner)
    assert plan.status_code == 200
    assert plan.json()["currency"] == "USD" and plan.json()["new_currency"] == "PKR"
    assert [(s["name"], s["price_display"]) for s in plan.json()["services"]] == [
        ("Haircut", "USD 15")
    ]

    missing = await client.post(
        "/api/v1/settings/currency", json={"currency": "PKR", "prices": {}}, headers=owner
    )
    assert missing.status_code == 422 and missing.json()["field"] == f"price-{haircut}"
    assert "give Haircut a price in PKR" in missing.json()["message"]
    for headers in (tokens.acme_agent, tokens.globex_owner):
        other = await client.post(
            "/api/v1/settings/currency",
            json={"currency": "PKR", "prices": {haircut: "1500"}},
            headers=headers,
        )
        assert other.status_code in (403, 422), other.text

    done = await client.post(
        "/api/v1/settings/currency",
        json={"currency": "PKR", "prices": {haircut: "1500"}},
        headers=owner,
    )
    assert done.status_code == 200, done.text
    assert (done.json()["previous"], done.json()["currency"]) == ("USD", "PKR")
    assert [s["price_display"] for s in done.json()["services"]] == ["PKR 1,500"]
    assert (await client.get(PROFILE, headers=owner)).json()["currency"] == "PKR"
    service = await client.get(f"/api/v1/services/{haircut}", headers=owner)
    assert service.json()["price_display"] == "PKR 1,500"
    resaved = await client.patch(
        f"/api/v1/services/{haircut}", json={"price": "1600", "currency": "USD"}, headers=owner
    )
    assert resaved.status_code == 422 and resaved.json()["field"] == "currency"
