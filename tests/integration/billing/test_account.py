"""The billing page's overview says what needs doing; the history shows each invoice once."""

from datetime import timedelta

from b2a.billing import account, manual
from b2a.billing.tables import StripeEvent, Subscription
from b2a.lib import clock
from b2a.tenants.scope import TenantScope
from tests.fakes.stripe_api import event
from tests.integration.billing.conftest import OPERATOR, PNG


async def _subscription(member, plan, **fields):
    row = TenantScope(member.tenant_id).new(Subscription, plan=plan.id, **fields)
    await row.save()
    return row


async def test_a_trial_and_a_cancellation_are_announced(cast, pro):
    trial = await _subscription(
        cast.acme_owner,
        pro,
        provider="stripe",
        status="TRIALING",
        stripe_subscription_id="sub_trial",
        trial_end=clock.now() + timedelta(days=14),
    )
    overview = await account.billing_overview(cast.acme_owner.actor)
    assert overview.plan.name == "Pro" and overview.subscription.status == "TRIALING"
    assert overview.warnings[0].startswith("The free trial runs until")

    await (
        TenantScope(cast.acme_owner.tenant_id)
        .update(
            Subscription,
            {
                Subscription.status: "ACTIVE",
                Subscription.cancel_at_period_end: True,
                Subscription.current_period_end: clock.now() + timedelta(days=3),
            },
        )
        .where(Subscription.id == trial.id)
    )
    ending = await account.billing_overview(cast.acme_owner.actor)
    assert "moves to the free plan" in ending.warnings[0]
    assert (await account.billing_overview(cast.globex_owner.actor)).subscription is None


async def test_a_manual_period_warns_a_week_before_it_ends(
    cast, pro, local, settings, frozen_clock
):
    payment = await manual.submit_manual_payment(
        cast.acme_owner.actor,
        manual.ManualPaymentIn(str(pro.id), "EASYPAISA", "Ayesha", "0300 1234567", "TID-7", PNG),
        media_root=settings.core.media_root,
    )
    approved = await manual.approve_manual_payment(OPERATOR, payment.id)
    assert (await account.billing_overview(cast.acme_owner.actor)).warnings == []
    period = await Subscription.objects().where(Subscription.id == approved.subscription_id).first()
    frozen_clock.at = period.current_period_end - timedelta(days=6)
    (warning,) = (await account.billing_overview(cast.acme_owner.actor)).warnings
    assert warning.startswith("The plan is paid until") and "Pay again" in warning


async def test_an_invoice_that_failed_then_was_paid_is_listed_once_as_paid(cast, pro, fake_stripe):
    invoice = {
        "id": "in_1",
        "object": "invoice",
        "customer": "cus_acme",
        "number": "B2A-0001",
        "status": "open",
        "amount_due": 2900,
        "amount_paid": 0,
        "currency": "usd",
        "created": 1796000000,
    }
    failed = event("invoice.payment_failed", invoice, created=1796000000)
    paid = event(
        "invoice.paid", {**invoice, "status": "paid", "amount_paid": 2900}, created=1796000600
    )
    for delivered in (paid, failed):  # out of order: the newer event still wins
        await StripeEvent(
            event_id=delivered["id"],
            type=delivered["type"],
            tenant=cast.acme_owner.tenant_id,
            payload=delivered,
            processed_at=clock.now(),
        ).save()
    (record,) = await account.payment_history(cast.acme_owner.actor)
    assert (record.kind, record.id, record.status, record.amount_minor, record.currency) == (
        "invoice",
        "in_1",
        "PAID",
        2900,
        "USD",
    )
    assert record.description == "Invoice B2A-0001"
    assert await account.payment_history(cast.globex_owner.actor) == []
