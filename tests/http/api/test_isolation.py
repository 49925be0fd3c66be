"""Globex's token can never read or change anything of Acme's: every API route answers 404.

The sweep walks the app's own route table, so a route added later is covered
without touching this file; a route it cannot call with a valid body fails it.
"""

import re

from b2a.billing.config import set_local_payments
from b2a.billing.plans import create_plan
from b2a.billing.schemas import LocalPayments, PlanIn
from b2a.catalog.tables import FaqEntry, Service
from b2a.customers.tables import CustomerLabel
from b2a.inbox.channels import connect_cloud_channel, find_cloud_channel
from b2a.inbox.tables import Conversation, ConversationLabel, Customer, Message, Note
from b2a.lib.crypto import SecretBox
from b2a.orders.tables import Order, OrderStatusChange
from b2a.outbox.tables import ScheduledMessage
from b2a.tenants.notices import Announcement, Level, raise_notice
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Notice
from b2a.whatsapp.cloud_api import CloudCredentials
from tests.http.api.conftest import OPERATOR, sandbox_channel, seed_conversation
from tests.integration.billing.conftest import METHODS

PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


def _bodies(globex_user, label_id):
    return {
        "/assign": {"json": {"user_id": str(globex_user)}},
        "/status": {"json": {"status": "CLOSED"}},
        "/take-over": {"json": {"reason": "mine now"}},
        "/labels": {"json": {"label_id": str(label_id)}},
        "/notes": {"json": {"text": "peeking"}},
        "/messages": {"json": {"text": "hello from globex"}},
        "/messages/media": {"files": {"file": ("x.png", b"\x89PNG\r\n\x1a\n", "image/png")}},
        "/canned-replies/{reply_id:uuid}": {"json": {"shortcut": "stolen", "text": "x"}},
        "/labels/{label_id:uuid}": {"json": {"name": "stolen"}},
        "/services/{service_id:uuid}": {"json": {"price": "1", "is_active": False}},
        "/faq/{entry_id:uuid}": {"json": {"answer": "stolen"}},
        "/orders/{order_id:uuid}": {"json": {"details": {"address": "globex"}}},
        "/reject": {"json": {"note": "peeking"}},
        "/customers/{customer_id:uuid}": {"json": {"name": "stolen", "tags": ["stolen"]}},
    }


async def _acme(client, cast, tokens):
    scope = TenantScope(cast.acme_owner.tenant_id)
    conversation = await seed_conversation(scope, await sandbox_channel(scope), name="Ayesha")
    h = tokens.acme_owner
    url = f"/api/v1/conversations/{conversation.id}"
    label = (await client.post("/api/v1/labels", json={"name": "vip"}, headers=h)).json()
    await client.post(f"{url}/labels", json={"label_id": label["id"]}, headers=h)
    await client.post(f"{url}/notes", json={"text": "secret note"}, headers=h)
    media = await client.post(
        f"{url}/messages/media",
        files={"file": ("a.png", b"\x89PNG\r\n\x1a\n", "image/png")},
        headers=h,
    )
    canned = await client.post(
        "/api/v1/canned-replies", json={"shortcut": "hours", "text": "9-5"}, headers=h
    )
    schedule = await client.post(
        "/api/v1/scheduled-messages",
        json={
            "customer_id": str(conversation.customer),
            "send_at": "2030-01-01T09:00:00Z",
            "text": "secret offer",
        },
        headers=h,
    )
    service = await client.post(
        "/api/v1/services", json={"name": "Secret cut", "price": "1500"}, headers=h
    )
    entry = await client.post(
        "/api/v1/faq", json={"question": "Secret?", "answer": "secret"}, headers=h
    )
    order = await client.post(
        "/api/v1/orders",
        json={
            "conversation_id": str(conversation.id),
            "items": [{"service_id": service.json()["id"], "quantity": 1}],
            "details": {"address": "secret street"},
        },
        headers=h,
    )
    payment = await _acme_payment(client, h)
    invited = await client.post(
        "/api/v1/team/invitations", json={"email": "secret-hire@acme.test"}, headers=h
    )
    notice = await raise_notice(
        scope, Announcement("account_update", Level.DANGER, "Banned.", "account:ban")
    )
    return scope, {
        "notice_id": notice.id,
        "member_id": invited.json()["member"]["id"],
        "payment_id": payment["id"],
        "service_id": service.json()["id"],
        "entry_id": entry.json()["id"],
        "order_id": order.json()["id"],
        "conversation_id": conversation.id,
        "customer_id": conversation.customer,
        "label_id": label["id"],
        "message_id": media.json()["id"],
        "reply_id": canned.json()["id"],
        "shortcut": "hours",
        "schedule_id": schedule.json()["id"],
    }


async def _acme_payment(client, headers):
    """A manual payment with its screenshot ("secret" in its reference and sender)."""
    await set_local_payments(OPERATOR, LocalPayments("PKR", {"EASYPAISA": METHODS["EASYPAISA"]}))
    plan = await create_plan(OPERATOR, PlanIn(name="Pro", price_minor=2900, local_price_minor=9000))
    response = await client.post(
        "/api/v1/billing/manual-payments",
        data={
            "plan_id": str(plan.id),
            "method": "EASYPAISA",
            "sender_name": "Ayesha secret",
            "sender_number": "0300 7654321",
            "reference": "TID-secret-1",
        },
        files={"screenshot": ("proof.png", b"\x89PNG\r\n\x1a\n secret", "image/png")},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _snapshot(scope):
    return (
        await scope.select(
            Conversation,
            Conversation.status,
            Conversation.owner,
            Conversation.assignee,
            Conversation.unread_count,
        ),
        await scope.count(Message),
        await scope.count(Note),
        await scope.count(ConversationLabel),
        await scope.select(ScheduledMessage, ScheduledMessage.status),
        await scope.select(Service, Service.price_minor, Service.is_active),
        await scope.select(FaqEntry, FaqEntry.answer),
        await scope.select(Order, Order.status, Order.details),
        await scope.count(OrderStatusChange),
        await scope.select(Notice, Notice.dismissed_at),
        await scope.select(Customer, Customer.name, Customer.email, Customer.erased_at),
        await scope.count(CustomerLabel),
    )


async def test_every_route_answers_404_to_another_tenant(app, client, cast, tokens):
    scope, ids = await _acme(client, cast, tokens)
    before = await _snapshot(scope)
    bodies = _bodies(cast.globex_owner.actor.user_id, ids["label_id"])
    swept = 0
    for route in app.routes:
        if not route.path.startswith("/api/v1/") or not PARAM.search(route.path):
            continue
        if route.path.startswith("/api/v1/admin/"):
            continue  # super admins only, across tenants: 403 to members (test_admin_ai.py)
        path = PARAM.sub(lambda m: str(ids[m.group(1)]), route.path)
        for method in sorted(set(route.methods) - {"OPTIONS", "HEAD"}):
            suffix = next((s for s in bodies if route.path.endswith(s)), None)
            kwargs = bodies[suffix] if suffix and method in ("POST", "PUT", "PATCH") else {}
            response = await client.request(method, path, headers=tokens.globex_owner, **kwargs)
            assert response.status_code == 404, (method, route.path, response.text)
            assert "secret" not in response.text and "Ayesha" not in response.text
            swept += 1
    assert swept >= 30
    assert await _snapshot(scope) == before


async def test_lists_never_show_another_tenants_rows(client, cast, tokens):
    await _acme(client, cast, tokens)
    g = tokens.globex_owner
    for url in (
        "/api/v1/conversations",
        "/api/v1/dead-letters",
        "/api/v1/orders",
        "/api/v1/customers",
        "/api/v1/customers?q=Ayesha",
    ):
        assert (await client.get(url, headers=g)).json()["items"] == []
    for url in (
        "/api/v1/labels",
        "/api/v1/canned-replies",
        "/api/v1/templates",
        "/api/v1/scheduled-messages",
        "/api/v1/billing/manual-payments",
        "/api/v1/billing/payments",
        "/api/v1/services",
        "/api/v1/faq",
    ):
        assert (await client.get(url, headers=g)).json() == []
    searched = await client.get("/api/v1/conversations", params={"q": "Ayesha"}, headers=g)
    assert searched.json()["items"] == []


async def test_the_cloud_api_connection_is_never_seen_or_undone_by_another_tenant(
    client, cast, tokens, settings
):
    acme = TenantScope(cast.acme_owner.tenant_id)
    secret = CloudCredentials("1111", "secret-token", "2222", "secret-app", "secret-verify")
    channel = await connect_cloud_channel(acme, secret, SecretBox(settings.core.encryption_key))
    g = tokens.globex_owner
    for response in (
        await client.get("/api/v1/whatsapp/cloud", headers=g),
        await client.delete("/api/v1/whatsapp/cloud", headers=g),
    ):
        assert response.status_code == 200
        assert response.json()["channel_id"] is None and "secret" not in response.text
        assert "1111" not in response.text
    assert (await find_cloud_channel(str(channel.id))).tenant == cast.acme_owner.tenant_id
