"""``/api/v1/orders``: staff make and decide order requests; every change is announced."""

import json

from b2a.catalog.tables import Service
from b2a.inbox.rules import Transport
from b2a.inbox.tables import Channel
from b2a.lib.events import last_id, read_after
from b2a.tenants.scope import TenantScope
from tests.http.api.conftest import sandbox_channel, seed_conversation

ADDRESS = {"address": "12 Mall Road, Lahore"}


async def _catalogue(scope):
    haircut = scope.new(Service, name="Haircut", price_minor=150000, currency="PKR")
    await haircut.save()
    return haircut.id


async def _order(client, headers, conversation_id, service_id, quantity=2, details=ADDRESS):
    return await client.post(
        "/api/v1/orders",
        json={
            "conversation_id": str(conversation_id),
            "items": [{"service_id": str(service_id), "quantity": quantity}],
            "details": details,
        },
        headers=headers,
    )


async def test_staff_make_approve_and_complete_an_order(client, cast, tokens, redis):
    scope = TenantScope(cast.acme_owner.tenant_id)
    haircut = await _catalogue(scope)
    conversation = await seed_conversation(scope, await sandbox_channel(scope))
    since = await last_id(redis, str(scope.tenant_id))
    agent = tokens.acme_agent

    made = await _order(client, agent, conversation.id, haircut)

    assert made.status_code == 201
    order = made.json()
    assert (order["status"], order["number"], order["total"]) == (
        "PENDING_APPROVAL",
        1,
        "PKR 3,000",
    )
    assert order["items"] == [
        {
            "service_id": str(haircut),
            "name": "Haircut",
            "quantity": 2,
            "unit_price_minor": 150000,
            "line_total_minor": 300000,
        }
    ]
    url = f"/api/v1/orders/{order['id']}"
    approved = await client.post(f"{url}/approve", headers=agent)
    assert approved.status_code == 200 and approved.json()["status"] == "APPROVED"
    assert approved.json()["notice"] == ""
    again = await client.post(f"{url}/approve", headers=agent)
    assert again.status_code == 409 and again.json()["code"] == "INVALID_TRANSITION"
    done = await client.post(f"{url}/complete", json={"note": "paid cash"}, headers=agent)
    history = done.json()["history"]
    assert [h["to_status"] for h in history] == [
        "DRAFT",
        "PENDING_APPROVAL",
        "APPROVED",
        "COMPLETED",
    ]
    assert history[-1]["note"] == "paid cash" and history[-1]["actor_label"] == "agent@acme.test"

    got = await read_after(redis, str(scope.tenant_id), since, block_ms=1)
    kinds = [json.loads(e.data) for e in got]
    assert [(k["type"], k["status"]) for k in kinds] == [
        ("order.updated", "PENDING_APPROVAL"),
        ("order.updated", "APPROVED"),
        ("order.updated", "COMPLETED"),
    ]


async def test_a_rejection_needs_a_note(client, cast, tokens):
    scope = TenantScope(cast.acme_owner.tenant_id)
    conversation = await seed_conversation(scope, await sandbox_channel(scope))
    order = (
        await _order(client, tokens.acme_owner, conversation.id, await _catalogue(scope))
    ).json()
    url = f"/api/v1/orders/{order['id']}/reject"

    bare = await client.post(url, json={"note": ""}, headers=tokens.acme_agent)
    missing = await client.post(url, headers=tokens.acme_agent)
    rejected = await client.post(url, json={"note": "fully booked"}, headers=tokens.acme_agent)

    assert bare.status_code == 422 and bare.json()["field"] == "note"
    assert missing.status_code in (400, 422)
    assert rejected.json()["status"] == "REJECTED"
    assert rejected.json()["decision_note"] == "fully booked"


async def test_a_draft_is_completed_with_details_then_locked(client, cast, tokens):
    scope = TenantScope(cast.acme_owner.tenant_id)
    conversation = await seed_conversation(scope, await sandbox_channel(scope))
    draft = await _order(
        client, tokens.acme_agent, conversation.id, await _catalogue(scope), details={}
    )
    assert draft.json()["status"] == "DRAFT" and draft.json()["missing_fields"] == ["address"]
    url = f"/api/v1/orders/{draft.json()['id']}"

    done = await client.patch(url, json={"details": ADDRESS}, headers=tokens.acme_agent)
    locked = await client.patch(url, json={"details": ADDRESS}, headers=tokens.acme_agent)

    assert done.json()["status"] == "PENDING_APPROVAL" and done.json()["missing_fields"] == []
    assert locked.status_code == 409 and locked.json()["code"] == "ORDER_LOCKED"


async def test_an_approval_outside_the_window_says_the_customer_was_not_told(client, cast, tokens):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = scope.new(Channel, transport=Transport.CLOUD)
    await channel.save()
    conversation = await seed_conversation(scope, channel, window_open=False)
    order = (
        await _order(client, tokens.acme_agent, conversation.id, await _catalogue(scope))
    ).json()

    approved = await client.post(f"/api/v1/orders/{order['id']}/approve", headers=tokens.acme_agent)

    assert approved.status_code == 200 and approved.json()["status"] == "APPROVED"
    assert "not told" in approved.json()["notice"]


async def test_orders_are_listed_in_pages_with_a_status_filter(client, cast, tokens):
    scope = TenantScope(cast.acme_owner.tenant_id)
    haircut = await _catalogue(scope)
    channel = await sandbox_channel(scope)
    for i in range(3):
        conversation = await seed_conversation(scope, channel, phone=f"92300000000{i}")
        await _order(
            client, tokens.acme_agent, conversation.id, haircut, details={} if i else ADDRESS
        )

    first = await client.get("/api/v1/orders", params={"limit": 2}, headers=tokens.acme_agent)
    rest = await client.get(
        "/api/v1/orders",
        params={"limit": 2, "cursor": first.json()["next_cursor"]},
        headers=tokens.acme_agent,
    )
    drafts = await client.get(
        "/api/v1/orders", params={"status": "DRAFT"}, headers=tokens.acme_agent
    )
    bad = await client.get("/api/v1/orders", params={"cursor": "nope"}, headers=tokens.acme_agent)

    numbers = [o["number"] for o in first.json()["items"] + rest.json()["items"]]
    assert numbers == [3, 2, 1] and rest.json()["next_cursor"] is None
    assert sorted(o["number"] for o in drafts.json()["items"]) == [2, 3]
    assert bad.status_code == 422 and bad.json()["field"] == "cursor"
