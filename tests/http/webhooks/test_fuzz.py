"""Fuzzing the webhooks: signed bodies of random JSON, never a 5xx, valid parts stored once.

The real app on PostgreSQL (the worker included, at the end) takes signed bodies
from Hypothesis (``fuzzing.py``): any JSON value at all, and valid Cloud API
fixtures and Stripe events with a few values changed. After each one a control
(a plain message, a plain event, never seen before) is posted, in the same body
when the body is a delivery: every control must be accepted exactly once,
however odd what came before it. Posting the same body twice must accept
nothing more. At the end a real worker processes everything accepted: no event
may fail. Bounded and derandomised, so a run is the same run every time;
``bench/fuzz_webhooks.py`` is the long one.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
import uuid

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b2a.billing import config, plans
from b2a.billing.tables import StripeEvent
from b2a.inbox.channels import connect_cloud_channel
from b2a.inbox.tables import InboundEvent, Message
from b2a.lib.crypto import SecretBox
from b2a.server.app import create_app
from b2a.tenants import service as tenants
from b2a.tenants.actor import Actor
from b2a.tenants.scope import TenantScope
from b2a.whatsapp.cloud_api import CloudCredentials
from tests.fakes.graph_api import TOKEN
from tests.fakes.stripe_api import SECRET_KEY, WEBHOOK_SECRET, FakeStripe, event
from tests.http.webhooks.fuzzing import (
    cloud_mutations,
    dumps,
    json_values,
    stripe_mutations,
    with_control,
)
from tests.integration.billing.conftest import pro_plan
from tests.pipeline import eventually, installed_queue, running_worker

APP_SECRET = "fuzz-app-secret"
NUMBER = "PNID-FUZZ"
EXAMPLES = 100
"""Bodies per strategy in the suite (four strategies, each body followed by a control)."""
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


async def fuzz(strategy, round_trip) -> None:
    """Run ``round_trip(body)`` for each body Hypothesis draws, in this test's event loop.

    Hypothesis drives a plain function, so it runs in a thread and hands each body
    back to the loop the app and its database pool live on.
    """
    loop = asyncio.get_running_loop()

    @FUZZ
    @given(body=strategy)
    def each(body):
        asyncio.run_coroutine_threadsafe(round_trip(body), loop).result()

    await asyncio.to_thread(each)


class Target:
    """The running app, the signing, and what was posted to it."""

    def __init__(self, client: httpx.AsyncClient, url: str, sign) -> None:
        self.client, self.url, self.sign = client, url, sign
        self.posted = 0
        self.statuses: dict[int, int] = {}

    async def post(self, body: bytes) -> httpx.Response:
        response = await self.client.post(self.url, content=body, headers=self.sign(body))
        self.posted += 1
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        assert response.status_code < 500, (body[:500], response.text)
        return response


def _meta_signature(body: bytes) -> dict[str, str]:
    digest = hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={digest}", "Content-Type": "application/json"}


def _stripe_signature(body: bytes) -> dict[str, str]:
    at = int(time.time())
    digest = hmac.new(WEBHOOK_SECRET.encode(), f"{at}.".encode() + body, hashlib.sha256)
    return {"Stripe-Signature": f"t={at},v1={digest.hexdigest()}"}


@pytest.fixture
def fake_stripe():
    with FakeStripe() as fake:
        fake.state.prices.add("price_pro_monthly")
        yield fake


@pytest.fixture
def fuzz_settings(pg, make_settings, tmp_path, graph, fake_stripe):
    return make_settings(
        B2A_DB_URL=pg.url,
        B2A_HOME=str(tmp_path),
        B2A_WHATSAPP_GRAPH_URL=graph.base_url,
        B2A_BILLING_STRIPE_API_URL=fake_stripe.base_url,
        B2A_WHATSAPP_TYPING_DELAY_MS="0",
    )


@pytest.fixture
async def running_app(fuzz_settings, redis):
    app = create_app(fuzz_settings)
    for hook in app.on_startup:
        await hook(app)
    async with installed_queue(fuzz_settings):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
    for hook in app.on_shutdown:
        await hook(app)


@pytest.fixture
async def cloud_target(running_app, fuzz_settings):
    tenant, _ = await tenants.create_tenant(
        Actor.operator("fuzz"),
        "Fuzz",
        admin_email="o@fuzz.test",
        admin_password="fuzzing the webhooks",
    )
    scope = TenantScope(tenant.id)
    credentials = CloudCredentials(NUMBER, TOKEN, "WABA", app_secret=APP_SECRET, verify_token="v")
    box = SecretBox(fuzz_settings.core.encryption_key)
    channel = await connect_cloud_channel(scope, credentials, box)
    target = Target(running_app, f"/webhooks/whatsapp/{channel.id}", _meta_signature)
    return target, scope


@pytest.fixture
async def stripe_target(running_app, fuzz_settings):
    box = SecretBox(fuzz_settings.core.encryption_key)
    operator = Actor.operator("fuzz")
    await config.set_stripe_keys(
        operator, secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET, box=box
    )
    await plans.create_plan(operator, pro_plan())
    return Target(running_app, "/webhooks/stripe", _stripe_signature)


async def _cloud_round(target: Target, body: object, controls: list[str]) -> None:
    """Post ``body`` (twice when it is a delivery) and a control; remember the control."""
    wamid = f"wamid.control.{uuid.uuid4().hex}"
    controls.append(wamid)
    together = with_control(body, NUMBER, wamid)
    if together is None:
        await target.post(dumps(body))
        together = with_control({"object": "whatsapp_business_account", "entry": []}, NUMBER, wamid)
    first = await target.post(dumps(together))
    again = await target.post(dumps(together))
    assert first.status_code == again.status_code == 200
    assert again.json()["accepted"] == 0, "a redelivery accepted something new"


async def _drained(settings, scope: TenantScope) -> None:
    """Run a real worker until every accepted event is processed; none may have failed."""
    waiting = scope.count(InboundEvent).where(
        InboundEvent.processed_at.is_null() & InboundEvent.dead_at.is_null()
    )
    async with running_worker(settings):

        async def done():
            return await waiting.run() == 0

        await eventually(done, timeout=120)
    failed = await scope.select(
        InboundEvent, InboundEvent.dedupe_key, InboundEvent.last_error
    ).where(InboundEvent.attempts > 0)
    assert failed == [], failed


async def _controls_stored_once(scope: TenantScope, controls: list[str]) -> None:
    events = await scope.select(InboundEvent, InboundEvent.dedupe_key).where(
        InboundEvent.dedupe_key.is_in([f"msg:{c}" for c in controls])
    )
    assert sorted(e["dedupe_key"] for e in events) == sorted(f"msg:{c}" for c in controls)


async def test_random_json_and_mutated_deliveries_at_the_cloud_webhook(cloud_target, fuzz_settings):
    target, scope = cloud_target
    controls: list[str] = []

    enveloped = st.builds(
        lambda e: {"object": "whatsapp_business_account", "entry": e}, json_values
    )
    await fuzz(json_values | enveloped, lambda body: _cloud_round(target, body, controls))
    await fuzz(cloud_mutations(NUMBER), lambda body: _cloud_round(target, body, controls))
    assert target.posted >= 2 * EXAMPLES * 2
    await _controls_stored_once(scope, controls)
    # The mutated fixtures reach storage too: most of their messages stay valid.
    assert await scope.count(InboundEvent).run() > len(controls) + EXAMPLES
    await _drained(fuzz_settings, scope)
    stored = await scope.select(Message, Message.wa_message_id).where(
        Message.wa_message_id.is_in(controls)
    )
    assert sorted(m["wa_message_id"] for m in stored) == sorted(controls)
    print(f"cloud webhook: {target.posted} signed bodies, answers {target.statuses}")


def _stripe_bases() -> list[dict]:
    subscription = {
        "id": "sub_fuzz",
        "object": "subscription",
        "customer": "cus_fuzz",
        "status": "active",
        "metadata": {"tenant_id": str(uuid.uuid4())},
        "items": {"data": [{"price": {"id": "price_pro_monthly"}, "current_period_end": 1}]},
    }
    invoice = {"id": "in_fuzz", "customer": "cus_fuzz", "parent": {"subscription_details": {}}}
    return [
        event("customer.subscription.updated", subscription),
        event("invoice.paid", invoice),
        event("checkout.session.completed", {"id": "cs_test_1", "mode": "payment"}),
    ]


async def _stripe_round(target: Target, body: object, controls: list[str]) -> None:
    await target.post(dumps(body))
    pristine = event("invoice.paid", {"id": "in_control", "customer": "cus_nobody"})
    controls.append(pristine["id"])
    first = await target.post(dumps(pristine))
    again = await target.post(dumps(pristine))
    assert first.json()["duplicate"] is False and again.json()["duplicate"] is True


async def test_random_json_and_mutated_events_at_the_stripe_webhook(stripe_target, fuzz_settings):
    target = stripe_target
    controls: list[str] = []

    await fuzz(json_values, lambda body: _stripe_round(target, body, controls))
    await fuzz(stripe_mutations(_stripe_bases()), lambda b: _stripe_round(target, b, controls))
    recorded = await StripeEvent.select(StripeEvent.event_id).where(
        StripeEvent.event_id.is_in(controls)
    )
    assert sorted(r["event_id"] for r in recorded) == sorted(controls)
    # Some mutated events are still events, under new ids: they are kept and processed too
    # (how many depends on the draws: 16 to 30 of the 100 in the runs seen).
    assert await StripeEvent.count() > len(controls)
    async with running_worker(fuzz_settings):

        async def done():
            return await StripeEvent.count().where(StripeEvent.processed_at.is_null()) == 0

        await eventually(done, timeout=120)
    print(f"stripe webhook: {target.posted} signed bodies, answers {target.statuses}")
