"""Stripe's webhook through the real server, queue and worker, against a local Stripe.

The lifecycle test walks a subscription from checkout to cancellation with a
frozen clock, sends a message while suspended, and greps every log line of the
run for the secret key and the webhook secret.
"""

import asyncio
import hashlib
import hmac
import json
import logging
import time

import pytest

from b2a.billing import config, plans
from b2a.billing.schemas import LocalPayments
from b2a.billing.tables import StripeEvent, Subscription
from b2a.lib.crypto import SecretBox
from b2a.tenants.actor import Actor
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant
from tests.fakes.stripe_api import SECRET_KEY, WEBHOOK_SECRET, FakeStripe, event, signed
from tests.http.api.conftest import sandbox_channel, seed_conversation
from tests.integration.billing.conftest import METHODS, pro_plan
from tests.pipeline import eventually, running_worker

OPERATOR = Actor.operator("tests")
HOOK = "/webhooks/stripe"


@pytest.fixture
def fake_stripe():
    with FakeStripe() as fake:
        fake.state.prices.add("price_pro_monthly")
        yield fake


@pytest.fixture
def settings(db, make_settings, app_home, fake_stripe):
    return make_settings(
        B2A_DB_URL=db.url,
        B2A_HOME=str(app_home),
        B2A_BILLING_STRIPE_API_URL=fake_stripe.base_url,
        B2A_WHATSAPP_TYPING_DELAY_MS="0",
    )


@pytest.fixture
async def pro(cast, settings):
    box = SecretBox(settings.core.encryption_key)
    await config.set_stripe_keys(
        OPERATOR, secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET, box=box
    )
    await config.set_local_payments(OPERATOR, LocalPayments("PKR", METHODS))
    return await plans.create_plan(OPERATOR, pro_plan())


async def _post(client, payload, **signing):
    body, headers = signed(payload, **signing)
    return await client.post(HOOK, content=body, headers=headers)


async def _applied(event_id):
    async def check():
        row = await StripeEvent.objects().where(StripeEvent.event_id == event_id).first()
        return row is not None and row.processed_at is not None

    await eventually(check)


async def _send(client, payload):
    response = await _post(client, payload)
    assert response.status_code == 200, response.text
    await _applied(payload["id"])


async def test_a_subscription_lives_from_checkout_to_the_free_plan(
    client, cast, tokens, pro, settings, fake_stripe, frozen_clock, caplog
):
    caplog.set_level(logging.DEBUG)
    box = SecretBox(settings.core.encryption_key)
    # Saved again while every log line is captured: storing the keys must not log them either.
    await config.set_stripe_keys(
        OPERATOR, secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET, box=box
    )
    h = tokens.acme_owner
    scope = TenantScope(cast.acme_owner.tenant_id)
    conversation = await seed_conversation(scope, await sandbox_channel(scope))

    async def overview():
        return (await client.get("/api/v1/billing", headers=h)).json()

    async with running_worker(settings):
        opened = await client.post(
            "/api/v1/billing/checkout", json={"plan_id": str(pro.id)}, headers=h
        )
        assert opened.status_code == 200, opened.text
        completed = fake_stripe.state.complete_checkout(opened.json()["session_id"])
        sub = completed["subscription"]
        await _send(client, event("checkout.session.completed", completed))
        now = await overview()
        assert now["plan"]["name"] == "Pro" and now["subscription"]["status"] == "ACTIVE"
        assert now["usage"]["ai_tier"] == "MEDIUM" and not now["suspended"]

        fake_stripe.state.update_subscription(sub, status="past_due")
        await _send(
            client, event("invoice.payment_failed", fake_stripe.state.invoice(sub, paid=False))
        )
        grace = await overview()
        assert grace["subscription"]["status"] == "PAST_DUE" and not grace["suspended"]
        assert "failed" in grace["warnings"][0]

        frozen_clock.advance(days=8)
        suspended = await overview()
        assert suspended["suspended"] and suspended["suspension_code"] == "PAYMENT_OVERDUE"
        reply = await client.post(
            f"/api/v1/conversations/{conversation.id}/messages", json={"text": "hello"}, headers=h
        )
        assert reply.status_code == 201

        async def dead():
            letters = (await client.get("/api/v1/dead-letters", headers=h)).json()["items"]
            return letters[0]["message"] if letters else None

        letter = await eventually(dead)
        assert (
            letter["error_code"] == "PAYMENT_OVERDUE"
            and "nothing has been deleted" in letter["error_detail"]
        )

        fake_stripe.state.update_subscription(sub, status="active")
        paid_invoice = fake_stripe.state.invoice(sub, paid=True, created=int(time.time()) + 60)
        await _send(client, event("invoice.paid", paid_invoice))
        paid = await overview()
        assert paid["subscription"]["status"] == "ACTIVE" and not paid["suspended"]

        ended = fake_stripe.state.update_subscription(sub, status="canceled")
        await _send(client, event("customer.subscription.deleted", ended))
        free = await overview()
        assert free["plan"]["name"] == "Free" and free["subscription"] is None
        assert free["usage"]["ai_tier"] == "FREE"

    history = (await client.get("/api/v1/billing/payments", headers=h)).json()
    assert [(r["kind"], r["status"]) for r in history] == [
        ("invoice", "PAID"),
        ("invoice", "FAILED"),
    ]
    assert history[0]["url"].startswith("https://invoice.stripe.com/")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "stripe event" in logged
    assert SECRET_KEY not in logged and WEBHOOK_SECRET not in logged
    assert SECRET_KEY[8:] not in caplog.text and WEBHOOK_SECRET[6:] not in caplog.text


@pytest.mark.parametrize(
    "signing",
    [
        {"secret": "whsec_someone_else"},
        {"at": int(time.time()) - 600},
    ],
    ids=["wrong-secret", "old-timestamp"],
)
async def test_a_bad_or_stale_signature_is_refused_before_anything_is_stored(client, pro, signing):
    response = await _post(client, event("invoice.paid", {"id": "in_1"}), **signing)
    assert response.status_code == 401 and response.json()["code"] == "UNAUTHORIZED"
    assert await StripeEvent.count() == 0


async def test_a_tampered_or_unsigned_body_is_refused(client, pro):
    body, headers = signed(event("invoice.paid", {"id": "in_1", "amount_paid": 100}))
    tampered = body.replace(b'"amount_paid": 100', b'"amount_paid": 1')
    assert (await client.post(HOOK, content=tampered, headers=headers)).status_code == 401
    unsigned = await client.post(HOOK, content=body, headers={"Content-Type": "application/json"})
    assert unsigned.status_code == 401
    assert await StripeEvent.count() == 0


def _signed_bytes(body: bytes) -> dict[str, str]:
    at = int(time.time())
    digest = hmac.new(WEBHOOK_SECRET.encode(), f"{at}.".encode() + body, hashlib.sha256)
    return {"Stripe-Signature": f"t={at},v1={digest.hexdigest()}"}


NOT_EVENTS = {
    "array": b"[1,2]",
    "string": b'"x"',
    "null": b"null",
    "not json": b"{not json",
    "3000 deep": b"[" * 3000 + b"]" * 3000,
    "no id": json.dumps({**event("invoice.paid", {"id": "in_1"}), "id": None}).encode(),
    "not an evt id": json.dumps({**event("invoice.paid", {"id": "in_1"}), "id": "x"}).encode(),
    "300-character id": json.dumps(
        {**event("invoice.paid", {"id": "in_1"}), "id": "evt_" + "A" * 296}
    ).encode(),
    "data a list": json.dumps({**event("invoice.paid", {}), "data": [1]}).encode(),
    "object a string": json.dumps({**event("invoice.paid", {}), "data": {"object": "x"}}).encode(),
    "created a string": json.dumps({**event("invoice.paid", {}), "created": "now"}).encode(),
    "created huge": json.dumps({**event("invoice.paid", {}), "created": 10**30}).encode(),
    "type a number": json.dumps({**event("invoice.paid", {}), "type": 7}).encode(),
}


async def test_a_signed_body_that_is_no_stripe_event_is_acknowledged_and_ignored(client, pro):
    for name, body in NOT_EVENTS.items():
        response = await client.post(HOOK, content=body, headers=_signed_bytes(body))
        assert response.status_code == 200, (name, response.text)
        assert response.json() == {"received": True, "duplicate": False, "ignored": True}, name
    # Stripe signs UTF-8 text (its library checks the text, not the bytes): other bytes
    # cannot carry its signature, so they are refused like any unsigned body.
    not_text = b'{"id": "evt_1\xff"}'
    refused = await client.post(HOOK, content=not_text, headers=_signed_bytes(not_text))
    assert refused.status_code == 401
    assert await StripeEvent.count() == 0


async def test_stripe_ids_up_to_255_characters_are_stored_and_odd_ones_never_crash_the_job(
    client, pro, settings, redis
):
    longest = {**event("invoice.paid", {"id": "in_1"}), "id": "evt_" + "L" * 251}
    odd = event(
        "customer.subscription.updated",
        {
            "id": "sub_" + "S" * 300,
            "customer": {"id": ["cus_x"]},
            "metadata": "x",
            "items": {"data": [1, {"price": 7, "current_period_end": "soon"}]},
            "status": None,
        },
    )
    invoice = event("invoice.paid", {"customer": "c" * 400, "parent": "x", "metadata": [1]})
    for payload in (longest, odd, invoice):
        assert (await _post(client, payload)).json()["ignored"] is False
    async with running_worker(settings):
        for payload in (longest, odd, invoice):
            await _applied(payload["id"])
    assert await StripeEvent.count() == 3 and await Subscription.count() == 0


async def test_without_a_signing_secret_every_delivery_is_refused(client, cast):
    response = await _post(client, event("invoice.paid", {"id": "in_1"}))
    assert response.status_code == 401
    assert "signing secret" in response.json()["message"]


async def test_concurrent_and_repeated_deliveries_store_one_event_and_apply_it_once(
    client, cast, tokens, pro, settings, fake_stripe, redis
):
    opened = await client.post(
        "/api/v1/billing/checkout", json={"plan_id": str(pro.id)}, headers=tokens.acme_owner
    )
    completed = event(
        "checkout.session.completed",
        fake_stripe.state.complete_checkout(opened.json()["session_id"]),
    )
    answers = await asyncio.gather(*(_post(client, completed) for _ in range(5)))
    assert [a.status_code for a in answers] == [200] * 5
    assert sorted(a.json()["duplicate"] for a in answers) == [False, True, True, True, True]
    assert await StripeEvent.count() == 1

    async with running_worker(settings):
        await _applied(completed["id"])
        again = await _post(client, completed)
    assert again.json() == {"received": True, "duplicate": True, "ignored": False}
    assert await Subscription.count() == 1
    tenant = await Tenant.objects().where(Tenant.id == cast.acme_owner.tenant_id).first()
    assert tenant.plan == pro.id
