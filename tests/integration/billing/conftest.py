"""Billing's cast: the operator, a paid plan, local payment details."""

from __future__ import annotations

import pytest

from b2a.billing import config, plans
from b2a.billing.schemas import LocalPayments, PlanIn
from b2a.lib.crypto import SecretBox
from b2a.tenants.actor import Actor
from b2a.tenants.rules import AITier
from tests.clock import frozen_clock  # noqa: F401

OPERATOR = Actor.operator("tests")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
INSTRUCTIONS = {
    "EASYPAISA": "Send to EasyPaisa 0300 1234567 (B2A Hosting).",
    "BANK_TRANSFER": "Meezan Bank, IBAN PK36MEZN0000000000000001.",
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
    return await config.set_local_payments(OPERATOR, LocalPayments("PKR", INSTRUCTIONS))
