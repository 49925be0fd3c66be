"""Manual payments: quoted locally, submitted with a screenshot, reviewed once, periods that end."""

import inspect
from datetime import timedelta

import pytest

from b2a.audit.tables import AuditEntry
from b2a.billing import coupons, manual, periods, plans
from b2a.billing.rules import CouponKind, Interval, PaymentProvider, add_interval
from b2a.billing.schemas import CouponIn
from b2a.billing.tables import ManualPayment, Subscription
from b2a.errors import Conflict, Invalid, NotFound
from b2a.tenants.rules import AITier
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant
from b2a.worker.tasks.email import send_email
from tests.integration.billing.conftest import OPERATOR, PNG, pro_plan
from tests.pipeline import installed_queue


def paid(plan, **changes):
    fields = {
        "plan_id": str(plan.id),
        "method": "easypaisa",
        "sender_name": "Ayesha Khan",
        "sender_number": "+92 300 1234567",
        "reference": "TID-88231",
        "screenshot": PNG,
        **changes,
    }
    return manual.ManualPaymentIn(**fields)


async def _submit(member, plan, settings, **changes):
    return await manual.submit_manual_payment(
        member.actor, paid(plan, **changes), media_root=settings.core.media_root
    )


async def _tenant(member):
    return await Tenant.objects().where(Tenant.id == member.tenant_id).first()


async def test_the_quote_is_the_local_price_after_the_coupon(cast, pro, local, stripe_keys):
    await coupons.create_coupon(
        OPERATOR, CouponIn(code="EID25", value=25, stripe_coupon_id="EID25")
    )
    await coupons.create_coupon(
        OPERATOR, CouponIn(code="PKR500", kind=CouponKind.FIXED, value=50000, currency="PKR")
    )
    plain = await manual.quote(cast.acme_owner.actor, pro.id)
    assert (plain.local.amount_minor, plain.local.currency) == (800000, "PKR")
    assert (plain.card.amount_minor, plain.card.currency) == (2900, "USD")
    assert [m.name for m in plain.methods] == ["EasyPaisa", "Bank transfer"]
    assert plain.methods[0].account_number == "0300 1234567"
    assert plain.card_note == plain.local_note == ""

    percent = await manual.quote(cast.acme_owner.actor, pro.id, coupon_code="eid25")
    assert percent.local.amount_minor == 600000 and percent.card.amount_minor == 2175
    fixed = await manual.quote(cast.acme_owner.actor, pro.id, coupon_code="PKR500")
    assert fixed.local.amount_minor == 750000 and fixed.card is None
    assert fixed.card_note.startswith("Coupon PKR500 is for manual payments only")


async def test_a_plan_that_cannot_be_bought_says_why_and_who_can_fix_it(cast, pro):
    owner = cast.acme_owner.actor
    nothing_on = await manual.quote(owner, pro.id)
    assert nothing_on.card is None and nothing_on.local is None and nothing_on.methods == []
    assert nothing_on.card_note == (
        "Card payments are not set up on this server: ask the operator (whoever runs this "
        "b2a server) to enter Stripe's keys in Admin → Billing."
    )
    assert nothing_on.local_note.startswith("Manual payments are not set up on this server")

    await plans.create_plan(
        OPERATOR, pro_plan(name="Local", price_minor=0, stripe_price_id="", local_price_minor=0)
    )
    listed = {q.plan.name: q for q in await manual.price_list(owner)}
    assert set(listed) == {"Pro", "Local"}, "the free plan is not on sale"
    assert listed["Local"].card_note.startswith("Not sold by card: this plan has no card price")


async def test_a_submitted_payment_carries_the_computed_amount_and_its_screenshot(
    cast, pro, local, settings
):
    await coupons.create_coupon(OPERATOR, CouponIn(code="EID25", value=25))
    payment = await _submit(cast.acme_owner, pro, settings, coupon_code="EID25")

    assert (payment.status, payment.amount_minor, payment.currency) == ("PENDING", 600000, "PKR")
    assert (payment.method, payment.plan_name, payment.coupon_code) == ("EASYPAISA", "Pro", "EID25")
    stored = settings.core.media_root / str(cast.acme_owner.tenant_id) / "billing"
    assert (stored / f"{payment.id}.png").read_bytes() == PNG
    served = await manual.receipt_file(
        cast.acme_owner.actor, payment.id, media_root=settings.core.media_root
    )
    assert served.path == stored / f"{payment.id}.png" and served.media_type == "image/png"
    assert [p.id for p in await manual.list_manual_payments(cast.acme_owner.actor)] == [payment.id]
    with pytest.raises(Conflict) as repeated:
        await _submit(cast.acme_owner, pro, settings)
    assert repeated.value.code == "PAYMENT_EXISTS"
    assert (await _tenant(cast.acme_owner)).ai_tier == AITier.FREE


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"screenshot": b"GIF89a" + b"\x00" * 40}, "screenshot"),
        ({"screenshot": b"<html><script>alert(1)</script>"}, "screenshot"),
        ({"screenshot": b""}, "screenshot"),
        ({"method": "PAYPAL"}, "method"),
        ({"method": "JAZZCASH"}, "method"),  # a real method, but not offered here
        ({"sender_name": "  "}, "sender_name"),
        ({"sender_number": "call me"}, "sender_number"),
        ({"reference": "x"}, "reference"),
        ({"coupon_code": "NOPE"}, "coupon_code"),
    ],
)
async def test_an_unacceptable_submission_is_refused_and_nothing_is_kept(
    cast, pro, local, settings, changes, field
):
    with pytest.raises(Invalid) as refused:
        await _submit(cast.acme_owner, pro, settings, **changes)
    assert refused.value.field == field
    assert await ManualPayment.count() == 0
    assert not (settings.core.media_root / str(cast.acme_owner.tenant_id)).exists()


async def test_a_plan_without_a_local_price_is_not_for_manual_payment(cast, local, settings):
    card_only = await plans.create_plan(OPERATOR, pro_plan(local_price_minor=0))
    with pytest.raises(Invalid, match="by card only"):
        await _submit(cast.acme_owner, card_only, settings)


async def test_approval_applies_the_plan_for_a_period_that_ends(
    cast, pro, local, settings, frozen_clock
):
    payment = await _submit(cast.acme_owner, pro, settings)
    approved = await manual.approve_manual_payment(OPERATOR, payment.id, note="checked the app")

    assert approved.status == "APPROVED" and approved.review_note == "checked the app"
    assert approved.reviewed_at == frozen_clock.at and approved.subscription_id is not None
    period = await Subscription.objects().where(Subscription.id == approved.subscription_id).first()
    assert (period.provider, period.status) == (PaymentProvider.MANUAL, "ACTIVE")
    assert period.current_period_start == frozen_clock.at
    assert period.current_period_end == add_interval(frozen_clock.at, Interval.MONTH)
    tenant = await _tenant(cast.acme_owner)
    assert (tenant.plan, tenant.ai_tier, tenant.ai_monthly_limit) == (pro.id, AITier.MEDIUM, 10000)
    with pytest.raises(Conflict) as twice:
        await manual.approve_manual_payment(OPERATOR, payment.id)
    assert twice.value.code == "ALREADY_REVIEWED"
    with pytest.raises(Conflict):
        await manual.reject_manual_payment(OPERATOR, payment.id, note="too late")
    assert (
        await AuditEntry.count().where(AuditEntry.event == "billing.manual_payment.approved") == 1
    )


async def test_paying_again_for_the_same_plan_extends_the_period_from_its_end(
    cast, pro, local, settings, frozen_clock
):
    first = await _submit(cast.acme_owner, pro, settings)
    await manual.approve_manual_payment(OPERATOR, first.id)
    frozen_clock.advance(days=20)
    second = await _submit(cast.acme_owner, pro, settings, reference="TID-99999")
    renewed = await manual.approve_manual_payment(OPERATOR, second.id)

    (period,) = await Subscription.objects()
    assert renewed.subscription_id == period.id
    start = period.current_period_start
    assert period.current_period_end == add_interval(
        add_interval(start, Interval.MONTH), Interval.MONTH
    )


async def test_another_plan_replaces_the_running_period(cast, pro, local, settings):
    first = await _submit(cast.acme_owner, pro, settings)
    await manual.approve_manual_payment(OPERATOR, first.id)
    yearly = await plans.create_plan(
        OPERATOR, pro_plan(name="Pro yearly", interval=Interval.YEAR, ai_tier=AITier.HIGH)
    )
    second = await _submit(cast.acme_owner, yearly, settings, reference="TID-YEAR1")
    await manual.approve_manual_payment(OPERATOR, second.id)
    statuses = {row.plan: row.status for row in await Subscription.objects()}
    assert statuses == {pro.id: "CANCELED", yearly.id: "ACTIVE"}
    assert (await _tenant(cast.acme_owner)).ai_tier == AITier.HIGH


async def test_rejection_needs_a_note_and_changes_nothing_else(cast, pro, local, settings):
    payment = await _submit(cast.acme_owner, pro, settings)
    with pytest.raises(Invalid) as no_note:
        await manual.reject_manual_payment(OPERATOR, payment.id, note="  ")
    assert no_note.value.field == "note"
    rejected = await manual.reject_manual_payment(
        OPERATOR, payment.id, note="No payment with this TID arrived."
    )
    assert rejected.status == "REJECTED" and rejected.review_note.startswith("No payment")
    assert rejected.subscription_id is None and await Subscription.count() == 0
    assert (await _tenant(cast.acme_owner)).ai_tier == AITier.FREE
    seen = await manual.get_manual_payment(cast.acme_owner.actor, payment.id)
    assert seen.status == "REJECTED" and seen.review_note == rejected.review_note
    # A rejected reference may be submitted again (a typo fixed, the money found).
    again = await _submit(cast.acme_owner, pro, settings)
    assert again.status == "PENDING"


async def test_the_review_queue_lists_every_tenants_pending_payments(cast, pro, local, settings):
    acme = await _submit(cast.acme_owner, pro, settings)
    globex = await _submit(cast.globex_owner, pro, settings, reference="GLX-1")
    pending = await manual.list_manual_payments(OPERATOR, status="PENDING")
    assert {p.id for p in pending} == {acme.id, globex.id}
    assert {p.tenant_id for p in pending} == {
        cast.acme_owner.tenant_id,
        cast.globex_owner.tenant_id,
    }
    inside = await manual.list_manual_payments(OPERATOR.within(cast.globex_owner.tenant_id))
    assert [p.id for p in inside] == [globex.id]


async def test_another_tenants_payment_and_screenshot_are_not_found(cast, pro, local, settings):
    payment = await _submit(cast.acme_owner, pro, settings)
    globex = cast.globex_owner.actor
    with pytest.raises(NotFound):
        await manual.get_manual_payment(globex, payment.id)
    with pytest.raises(NotFound):
        await manual.receipt_file(globex, payment.id, media_root=settings.core.media_root)
    assert await manual.list_manual_payments(globex) == []
    served = await manual.receipt_file(OPERATOR, payment.id, media_root=settings.core.media_root)
    assert served.path.read_bytes() == PNG


async def test_no_manual_payment_while_stripe_bills_the_tenant(cast, pro, local, settings):
    scope = TenantScope(cast.acme_owner.tenant_id)
    pending = await _submit(cast.acme_owner, pro, settings)
    await scope.new(
        Subscription,
        plan=pro.id,
        provider=PaymentProvider.STRIPE,
        status="ACTIVE",
        stripe_subscription_id="sub_live",
    ).save()
    with pytest.raises(Conflict) as refused:
        await _submit(cast.acme_owner, pro, settings, reference="TID-2")
    assert refused.value.code == "SUBSCRIPTION_EXISTS"
    with pytest.raises(Conflict):
        await manual.approve_manual_payment(OPERATOR, pending.id)
    assert (await manual.get_manual_payment(OPERATOR, pending.id)).status == "PENDING"


async def test_a_reminder_goes_out_once_before_the_end_and_the_end_downgrades(
    cast, pro, local, settings, redis, frozen_clock
):
    payment = await _submit(cast.acme_owner, pro, settings)
    approved = await manual.approve_manual_payment(OPERATOR, payment.id)
    period = await Subscription.objects().where(Subscription.id == approved.subscription_id).first()
    end = period.current_period_end

    async with installed_queue(settings) as queue:
        frozen_clock.at = end - timedelta(days=8)
        assert await periods.run_periods(reminder_days=7) == periods.PeriodRun(0, 0)
        frozen_clock.at = end - timedelta(days=6)
        assert await periods.run_periods(reminder_days=7) == periods.PeriodRun(1, 0)
        assert await periods.run_periods(reminder_days=7) == periods.PeriodRun(0, 0)
        job = await queue.job(f"renewal-reminder:{period.id}:{end:%Y%m%d}:owner@acme.test")
        assert job is not None and job.function == "send_email"
        assert job.kwargs["to"] == "owner@acme.test"
        assert "Pro plan ends on" in job.kwargs["subject"] and "free plan" in job.kwargs["text"]
        inspect.signature(send_email).bind({}, **job.kwargs)  # the worker's task takes it

        frozen_clock.at = end
        assert await periods.run_periods(reminder_days=7) == periods.PeriodRun(0, 1)
        assert await periods.run_periods(reminder_days=7) == periods.PeriodRun(0, 0)

    ended = await Subscription.objects().where(Subscription.id == period.id).first()
    assert ended.status == "CANCELED"
    tenant = await _tenant(cast.acme_owner)
    free = await plans.ensure_free_plan()
    assert (tenant.plan, tenant.ai_tier, tenant.ai_daily_limit) == (free.id, AITier.FREE, 50)
    events = [e["event"] for e in await AuditEntry.select(AuditEntry.event)]
    assert "billing.renewal_reminded" in events and "billing.period_expired" in events
