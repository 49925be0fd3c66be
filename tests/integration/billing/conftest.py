"""Billing's cast: the operator, a free and a paid plan, Stripe keys, local payment details."""

from __future__ import annotations

import pytest

from b2a.billing import config, plans, stripe_api, stripe_events
from b2a.billing.schemas import LocalPayments, ManualMethodSettings, PlanIn
from b2a.lib.crypto import SecretBox
from b2a.lib.http import create_client
from b2a.tenants.actor import Actor
from b2a.tenants.rules import AITier
from tests.clock import frozen_clock  # noqa: F401
from tests.fakes.stripe_api import SECRET_KEY, WEBHOOK_SECRET, FakeStripe, signed

OPERATOR = Actor.operator("tests")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
METHODS = {
    "EASYPAISA": ManualMethodSettings(
        enabled=True,
        account_title="B2A Hosting",
        account_number="0300 1234567",
        instructions="Send to EasyPaisa 0300 1234567 (B2A Hosting).",
    ),
    "BANK_TRANSFER": ManualMethodSettings(
        enabled=True,
        account_title="B2A Hosting (Pvt) Ltd",
        account_number="PK36 SCBL 0000 0011 2345 6702",
        instructions="Standard Chartered, Blue Area branch, Islamabad.",
    ),
}


def pro_plan(**changes):
    fields = {
        "name": "Pro",
        "price_minor": 2900,
        "currency": "USD",
        "local_price_minor": 800000,
        "ai_tier": AITier.MEDIUM,
        "ai_daily_limit": 500,
        "ai_monthly_limit": 10000,
        "stripe_price_id": "price_pro_monthly",
        "display_order": 2,
        **changes,
    }
    return PlanIn(**fields)


@pytest.fixture
def settings(db, make_settings, tmp_path):
    return make_settings(B2A_DB_URL=db.url, B2A_HOME=str(tmp_path))


@pytest.fixture
def box(settings):
    return SecretBox(settings.core.encryption_key)


@pytest.fixture
async def pro(cast):
    return await plans.create_plan(OPERATOR, pro_plan())


@pytest.fixture
async def local(cast):
    return await config.set_local_payments(OPERATOR, LocalPayments("PKR", METHODS))


@pytest.fixture
async def stripe_keys(cast, box):
    await config.set_stripe_keys(
        OPERATOR, secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET, box=box
    )
    return await config.stripe_keys(box)


@pytest.fixture
def fake_stripe():
    with FakeStripe() as fake:
        fake.state.prices.add("price_pro_monthly")
        fake.state.coupons.add("SUMMER25")
        yield fake


@pytest.fixture
async def stripe_client(fake_stripe, stripe_keys):
    async with create_client() as http:
        yield stripe_api.stripe_client(stripe_keys, api_url=fake_stripe.base_url, http=http)


async def deliver(payload, client, *, grace_days=7):
    """What the webhook route and the worker do with one event: verify, record, process."""
    body, headers = signed(payload)
    event = stripe_events.verify_event(body, headers["Stripe-Signature"], WEBHOOK_SECRET)
    await stripe_events.record_event(event)
    return await stripe_events.process_event(
        event["id"], stripe_client=client, grace_days=grace_days
    )
