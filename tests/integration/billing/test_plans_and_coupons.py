import asyncio
import json
from datetime import timedelta

import pytest

from b2a.audit.tables import AuditEntry
from b2a.billing import config, coupons, plans
from b2a.billing.rules import CouponKind
from b2a.billing.schemas import BillingSettingsIn, CouponIn, LocalPayments, ManualMethodSettings
from b2a.billing.tables import Plan
from b2a.errors import Conflict, Invalid
from b2a.system.tables import SystemSetting
from b2a.tenants.rules import AITier
from b2a.tenants.tables import Tenant
from tests.fakes.stripe_api import SECRET_KEY, WEBHOOK_SECRET
from tests.integration.billing.conftest import OPERATOR, pro_plan


async def test_there_is_exactly_one_free_plan_whoever_asks_first(db):
    first, second = await asyncio.gather(plans.ensure_free_plan(), plans.ensure_free_plan())
    assert first.id == second.id and first.is_free and first.ai_tier == AITier.FREE
    assert (first.ai_daily_limit, first.ai_monthly_limit) == (50, 1000)
    assert await Plan.count().where(Plan.is_free.eq(True)) == 1
    with pytest.raises(Exception) as clash:
        await Plan(name="Second free", is_free=True).save()
    assert "unique" in str(clash.value).lower()


async def test_a_super_admin_creates_edits_orders_and_deactivates_plans(cast):
    pro = await plans.create_plan(OPERATOR, pro_plan())
    basic = await plans.create_plan(OPERATOR, pro_plan(name="Basic", price_minor=900))
    edited = await plans.update_plan(OPERATOR, pro.id, pro_plan(name="Pro+", trial_days=14))
    assert (edited.name, edited.trial_days, edited.price_minor) == ("Pro+", 14, 2900)
    assert (await plans.get_plan(pro.id)).name == "Pro+"

    free = await plans.ensure_free_plan()
    ordered = await plans.reorder_plans(OPERATOR, [free.id, basic.id, pro.id])
    assert [p.name for p in ordered] == ["Free", "Basic", "Pro+"]

    await plans.set_plan_active(OPERATOR, basic.id, False)
    assert [p.name for p in await plans.active_plans()] == ["Free", "Pro+"]
    assert [p.name for p in await plans.pricing(cast.acme_owner.actor)] == ["Free", "Pro+"]
    assert len(await plans.list_plans(OPERATOR)) == 3
    events = await AuditEntry.select(AuditEntry.event).where(AuditEntry.event.like("billing.plan%"))
    assert {e["event"] for e in events} >= {
        "billing.plan.created",
        "billing.plan.updated",
        "billing.plan.deactivated",
    }


async def test_the_free_plan_stays_active_free_and_without_trial(db):
    free = await plans.ensure_free_plan()
    with pytest.raises(Conflict):
        await plans.set_plan_active(OPERATOR, free.id, False)
    with pytest.raises(Invalid) as priced:
        await plans.update_plan(OPERATOR, free.id, pro_plan(name="Free", stripe_price_id=""))
    assert priced.value.field == "price_minor"
    renamed = await plans.update_plan(
        OPERATOR,
        free.id,
        pro_plan(name="Starter", price_minor=0, local_price_minor=0, stripe_price_id=""),
    )
    assert renamed.is_free and renamed.name == "Starter" and renamed.ai_daily_limit == 500


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": " "}, "name"),
        ({"price_minor": -1}, "price_minor"),
        ({"currency": "dollars"}, "currency"),
        ({"ai_daily_limit": -5}, "ai_daily_limit"),
        ({"trial_days": 1000}, "trial_days"),
        ({"stripe_price_id": "prod_123"}, "stripe_price_id"),
    ],
)
async def test_a_bad_plan_field_is_named(db, changes, field):
    with pytest.raises(Invalid) as refused:
        await plans.create_plan(OPERATOR, pro_plan(**changes))
    assert refused.value.field == field


async def test_applying_a_plan_gives_the_tenant_its_tier_and_limits(cast):
    pro = await plans.get_plan((await plans.create_plan(OPERATOR, pro_plan())).id)
    await plans.apply_plan(cast.acme_owner.tenant_id, pro)
    tenant = await Tenant.objects().where(Tenant.id == cast.acme_owner.tenant_id).first()
    assert (tenant.plan, tenant.ai_tier) == (pro.id, AITier.MEDIUM)
    assert (tenant.ai_daily_limit, tenant.ai_monthly_limit) == (500, 10000)


def coupon(**changes):
    fields = {"code": "summer25", "kind": CouponKind.PERCENT, "value": 25, **changes}
    return CouponIn(**fields)


async def test_coupons_are_created_in_capitals_unique_and_expire(db, frozen_clock):
    made = await coupons.create_coupon(
        OPERATOR,
        coupon(banner_text="25% off all summer", expires_at=frozen_clock.at + timedelta(days=1)),
    )
    assert made.code == "SUMMER25"
    with pytest.raises(Conflict) as taken:
        await coupons.create_coupon(OPERATOR, coupon(code="Summer25"))
    assert taken.value.code == "COUPON_EXISTS"
    assert (await coupons.usable_coupon(" summer25 ")).id == made.id
    assert [b.text for b in await coupons.banners()] == ["25% off all summer"]

    frozen_clock.advance(days=2)
    with pytest.raises(Invalid) as expired:
        await coupons.usable_coupon("SUMMER25")
    assert expired.value.code == "COUPON_INVALID"
    assert await coupons.banners() == []


async def test_a_switched_off_coupon_cannot_be_used(db):
    made = await coupons.create_coupon(OPERATOR, coupon(kind=CouponKind.FIXED, value=500))
    await coupons.set_coupon_active(OPERATOR, made.id, False)
    with pytest.raises(Invalid):
        await coupons.usable_coupon("SUMMER25")
    edited = await coupons.update_coupon(
        OPERATOR, made.id, coupon(kind=CouponKind.FIXED, value=700, currency="pkr")
    )
    assert (edited.value, edited.currency, edited.is_active) == (700, "PKR", False)
    assert [c.code for c in await coupons.list_coupons(OPERATOR)] == ["SUMMER25"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"value": 0}, "value"),
        ({"value": 101}, "value"),
        ({"kind": CouponKind.FIXED, "value": 0}, "value"),
        ({"code": "x"}, "code"),
        ({"banner_text": "x" * 201}, "banner_text"),
    ],
)
async def test_a_bad_coupon_field_is_named(db, changes, field):
    with pytest.raises(Invalid) as refused:
        await coupons.create_coupon(OPERATOR, coupon(**changes))
    assert refused.value.field == field


async def test_stripe_keys_are_stored_encrypted_and_shown_masked(db, box):
    empty = await config.stripe_settings(OPERATOR, box=box)
    assert not empty.configured
    shown = await config.set_stripe_keys(
        OPERATOR, secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET, box=box
    )
    assert shown.configured and not shown.live_mode
    assert shown.secret_key_hint == "••••••••" + SECRET_KEY[-4:]
    assert shown.webhook_secret_hint == "••••••••" + WEBHOOK_SECRET[-4:]
    stored = await SystemSetting.select(SystemSetting.value).where(
        SystemSetting.key == config.STRIPE
    )
    assert SECRET_KEY not in json.dumps(stored) and WEBHOOK_SECRET not in json.dumps(stored)
    audit = await AuditEntry.select(AuditEntry.detail).where(
        AuditEntry.event == "billing.stripe.updated"
    )
    assert audit and SECRET_KEY not in json.dumps(audit) and WEBHOOK_SECRET not in json.dumps(audit)

    await config.set_stripe_keys(OPERATOR, webhook_secret="whsec_rotated0000", box=box)
    keys = await config.stripe_keys(box)
    assert keys.secret_key == SECRET_KEY and keys.webhook_secret == "whsec_rotated0000"
    assert SECRET_KEY not in repr(keys)
    with pytest.raises(Invalid) as wrong:
        await config.set_stripe_keys(OPERATOR, secret_key="pk_test_publishable", box=box)
    assert wrong.value.field == "secret_key"


async def test_without_keys_card_payments_say_they_are_not_set_up(db, box):
    with pytest.raises(Conflict) as refused:
        await config.require_stripe_keys(box)
    assert refused.value.code == "STRIPE_NOT_CONFIGURED"


async def test_local_payments_keep_the_currency_and_the_methods_switched_on(db):
    assert (await config.local_payments()).offered() == {}
    saved = await config.set_local_payments(
        OPERATOR,
        LocalPayments(
            "pkr",
            {
                "JAZZCASH": ManualMethodSettings(
                    enabled=True,
                    account_title="  B2A   Hosting ",
                    account_number=" 0301 7654321 ",
                    instructions=" Send from any JazzCash account. ",
                ),
                "EASYPAISA": ManualMethodSettings(account_title="Kept while off"),
            },
        ),
    )
    assert saved.currency == "PKR" and list(saved.offered()) == ["JAZZCASH"]
    assert saved.methods["JAZZCASH"] == ManualMethodSettings(
        enabled=True,
        account_title="B2A Hosting",
        account_number="0301 7654321",
        instructions="Send from any JazzCash account.",
    )
    assert saved.methods["EASYPAISA"].account_title == "Kept while off"
    assert await config.local_payments() == saved


@pytest.mark.parametrize(
    ("method", "changes", "field"),
    [
        ("EASYPAISA", {"account_title": ""}, "methods.EASYPAISA.account_title"),
        ("EASYPAISA", {"account_number": ""}, "methods.EASYPAISA.account_number"),
        ("JAZZCASH", {"account_number": "call me"}, "methods.JAZZCASH.account_number"),
        (
            "BANK_TRANSFER",
            {"account_number": "PK36 SCBL 0000 0011 2345 6703"},
            "methods.BANK_TRANSFER.account_number",
        ),
    ],
)
async def test_a_method_switched_on_needs_a_real_account(db, method, changes, field):
    details = {"enabled": True, "account_title": "B2A Hosting", "account_number": "0300 1234567"}
    with pytest.raises(Invalid) as refused:
        await config.set_local_payments(
            OPERATOR, LocalPayments("PKR", {method: ManualMethodSettings(**{**details, **changes})})
        )
    assert refused.value.field == field
    with pytest.raises(Invalid) as unknown:
        await config.set_local_payments(OPERATOR, LocalPayments("PKR", {"PAYPAL": details}))
    assert unknown.value.field == "methods"
    with pytest.raises(Invalid) as currency:
        await config.set_local_payments(OPERATOR, LocalPayments("rupees"))
    assert currency.value.field == "currency"


async def test_methods_saved_before_the_switches_stay_offered(db):
    old = {"currency": "PKR", "instructions": {"EASYPAISA": "Send to 0300 1234567."}}
    await SystemSetting(key=config.LOCAL, value=old).save()
    local = await config.local_payments()
    assert list(local.offered()) == ["EASYPAISA"]
    assert local.methods["EASYPAISA"].instructions == "Send to 0300 1234567."


async def test_a_masked_key_sent_back_keeps_the_stored_one_and_a_refusal_changes_nothing(db, box):
    await config.set_stripe_keys(
        OPERATOR, secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET, box=box
    )
    shown = await config.billing_settings(OPERATOR, box=box, base_url="https://b2a.example.pk/")
    assert shown.webhook_url == "https://b2a.example.pk/webhooks/stripe"
    resent = BillingSettingsIn(
        secret_key=shown.stripe.secret_key_hint, webhook_secret=shown.stripe.webhook_secret_hint
    )
    await config.save_billing_settings(OPERATOR, resent, box=box, base_url="")
    assert (await config.stripe_keys(box)).secret_key == SECRET_KEY

    bad_method = LocalPayments("PKR", {"EASYPAISA": ManualMethodSettings(enabled=True)})
    with pytest.raises(Invalid):
        await config.save_billing_settings(
            OPERATOR,
            BillingSettingsIn(secret_key="sk_test_replacement0000", local=bad_method),
            box=box,
            base_url="",
        )
    assert (await config.stripe_keys(box)).secret_key == SECRET_KEY
