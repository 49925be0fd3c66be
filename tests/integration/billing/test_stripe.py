"""Card payments against a local Stripe: checkout for the actor's own tenant, then its events."""

import asyncio
import time
from datetime import timedelta

import pytest

from b2a.audit.tables import AuditEntry
from b2a.billing import checkout, coupons, plans, stripe_api, stripe_events
from b2a.billing.config import StripeKeys
from b2a.billing.enforcement import billing_suspension
from b2a.billing.rules import CouponKind
from b2a.billing.schemas import CouponIn
from b2a.billing.tables import StripeCustomer, StripeEvent, Subscription
from b2a.errors import Conflict, Invalid, Unavailable
from b2a.lib.http import create_client
from b2a.tenants.rules import AITier
from b2a.tenants.tables import Tenant
from tests.fakes.stripe_api import event
from tests.integration.billing.conftest import OPERATOR, deliver, pro_plan

BASE = "https://b2a.example.com"


async def _checkout(member, pro, client, **kwargs):
    return await checkout.start_checkout(
        member.actor, pro.id, stripe_client=client, base_url=BASE, **kwargs
    )


async def _tenant(member):
    return await Tenant.objects().where(Tenant.id == member.tenant_id).first()


async def _subscription(member):
    return await Subscription.objects().where(Subscription.tenant == member.tenant_id).first()


async def _paid(cast, pro, client, fake, **kwargs):
    """Acme's admin checks out and pays; the completed checkout's event is applied."""
    session = await _checkout(cast.acme_owner, pro, client, **kwargs)
    completed = fake.state.complete_checkout(session.session_id)
    applied = await deliver(event("checkout.session.completed", completed), client)
    return completed["subscription"], applied


async def test_checkout_is_opened_for_the_actors_own_tenant_and_customer(
    cast, pro, stripe_client, fake_stripe
):
    session = await _checkout(cast.acme_owner, pro, stripe_client)

    assert session.url.startswith("https://checkout.stripe.com/")
    sent = fake_stripe.state.sessions[session.session_id]["_params"]
    acme = str(cast.acme_owner.tenant_id)
    assert sent["client_reference_id"] == acme and sent["mode"] == "subscription"
    assert sent["subscription_data"]["metadata"] == {"tenant_id": acme, "plan_id": str(pro.id)}
    assert sent["line_items"] == [{"price": "price_pro_monthly", "quantity": "1"}]
    assert sent["success_url"].startswith(f"{BASE}/app/billing?checkout=success")
    (customer,) = fake_stripe.state.customers.values()
    assert customer["metadata"] == {"tenant_id": acme} and customer["email"] == "owner@acme.test"
    assert sent["customer"] == customer["id"]
    assert "trial_period_days" not in sent["subscription_data"]

    again = await _checkout(cast.acme_owner, pro, stripe_client)
    assert fake_stripe.state.sessions[again.session_id]["_params"]["customer"] == customer["id"]
    assert len(fake_stripe.state.customers) == 1
    assert await StripeCustomer.count() == 1


async def test_a_coupon_and_the_plans_trial_reach_stripe_and_a_trial_comes_once(
    cast, stripe_client, fake_stripe
):
    trial = await plans.create_plan(OPERATOR, pro_plan(trial_days=14))
    await coupons.create_coupon(
        OPERATOR,
        CouponIn(code="summer25", kind=CouponKind.PERCENT, value=25, stripe_coupon_id="SUMMER25"),
    )
    first = await _checkout(cast.acme_owner, trial, stripe_client, coupon_code="summer25")
    sent = fake_stripe.state.sessions[first.session_id]["_params"]
    assert sent["discounts"] == [{"coupon": "SUMMER25"}]
    assert sent["subscription_data"]["trial_period_days"] == "14"

    completed = fake_stripe.state.complete_checkout(first.session_id)
    await deliver(event("checkout.session.completed", completed), stripe_client)
    row = await _subscription(cast.acme_owner)
    assert row.status == "TRIALING" and row.trial_end is not None
    sub = completed["subscription"]
    canceled = fake_stripe.state.update_subscription(sub, status="canceled")
    await deliver(event("customer.subscription.deleted", canceled), stripe_client)

    second = await _checkout(cast.acme_owner, trial, stripe_client)
    assert (
        "trial_period_days"
        not in fake_stripe.state.sessions[second.session_id]["_params"]["subscription_data"]
    )


async def test_a_plan_without_a_stripe_price_is_sold_with_an_inline_price(
    cast, stripe_client, fake_stripe
):
    inline = await plans.create_plan(OPERATOR, pro_plan(stripe_price_id="", name="Lite"))
    session = await _checkout(cast.acme_owner, inline, stripe_client)
    (item,) = fake_stripe.state.sessions[session.session_id]["_params"]["line_items"]
    assert item["price_data"] == {
        "currency": "usd",
        "unit_amount": "2900",
        "recurring": {"interval": "month"},
        "product_data": {"name": "Lite"},
    }
    completed = fake_stripe.state.complete_checkout(session.session_id)
    await deliver(event("checkout.session.completed", completed), stripe_client)
    # The price Stripe made is unknown here: the plan id in the metadata says which plan.
    assert (await _subscription(cast.acme_owner)).plan == inline.id


async def test_what_cannot_be_bought_by_card_is_refused_before_stripe_is_asked(
    cast, pro, stripe_client, fake_stripe
):
    free = await plans.ensure_free_plan()
    with pytest.raises(Invalid):
        await _checkout(cast.acme_owner, free, stripe_client)
    manual_only = await coupons.create_coupon(OPERATOR, CouponIn(code="LOCAL10", value=10))
    with pytest.raises(Invalid) as not_for_cards:
        await _checkout(cast.acme_owner, pro, stripe_client, coupon_code=manual_only.code)
    assert not_for_cards.value.code == "COUPON_NOT_FOR_CARDS"
    await plans.set_plan_active(OPERATOR, pro.id, False)
    with pytest.raises(Invalid):
        await _checkout(cast.acme_owner, pro, stripe_client)
    assert fake_stripe.state.sessions == {}


async def test_stripes_refusals_come_back_in_plain_words(cast, stripe_client, fake_stripe):
    unknown = await plans.create_plan(OPERATOR, pro_plan(stripe_price_id="price_deleted"))
    with pytest.raises(Invalid) as refused:
        await _checkout(cast.acme_owner, unknown, stripe_client)
    assert refused.value.code == "STRIPE_REFUSED" and "price_deleted" in refused.value.message
    async with create_client() as http:
        wrong = stripe_api.stripe_client(
            StripeKeys("sk_test_revoked00000000", ""), api_url=fake_stripe.base_url, http=http
        )
        with pytest.raises(Unavailable) as key:
            await _checkout(cast.globex_owner, unknown, wrong)
    assert key.value.code == "STRIPE_KEY_REFUSED" and "sk_test_revoked" not in key.value.message


async def test_the_portal_opens_for_a_tenant_that_paid_by_card(
    cast, pro, stripe_client, fake_stripe
):
    with pytest.raises(Conflict) as never_paid:
        await checkout.open_portal(
            cast.acme_owner.actor, stripe_client=stripe_client, base_url=BASE
        )
    assert never_paid.value.code == "NO_STRIPE_CUSTOMER"
    await _paid(cast, pro, stripe_client, fake_stripe)
    portal = await checkout.open_portal(
        cast.acme_owner.actor, stripe_client=stripe_client, base_url=BASE
    )
    assert portal.url.startswith("https://billing.stripe.com/")
    (opened,) = fake_stripe.state.portal_sessions
    assert opened["return_url"] == f"{BASE}/app/billing"
    customer = (
        await StripeCustomer.objects()
        .where(StripeCustomer.tenant == cast.acme_owner.tenant_id)
        .first()
    )
    assert opened["customer"] == customer.customer_id


async def test_a_completed_checkout_applies_the_plan_with_the_items_period(
    cast, pro, stripe_client, fake_stripe
):
    subscription_id, applied = await _paid(cast, pro, stripe_client, fake_stripe)

    assert applied.outcome == "ACTIVE" and applied.tenant_id == cast.acme_owner.tenant_id
    row = await _subscription(cast.acme_owner)
    item = fake_stripe.state.subscriptions[subscription_id]["items"]["data"][0]
    assert row.stripe_subscription_id == subscription_id and row.provider == "stripe"
    assert int(row.current_period_end.timestamp()) == item["current_period_end"]
    assert int(row.current_period_start.timestamp()) == item["current_period_start"]
    tenant = await _tenant(cast.acme_owner)
    assert (tenant.plan, tenant.ai_tier, tenant.ai_daily_limit) == (pro.id, AITier.MEDIUM, 500)
    with pytest.raises(Conflict) as second:
        await _checkout(cast.acme_owner, pro, stripe_client)
    assert second.value.code == "SUBSCRIPTION_EXISTS"


async def test_a_replayed_event_has_no_second_effect(cast, pro, stripe_client, fake_stripe):
    session = await _checkout(cast.acme_owner, pro, stripe_client)
    completed = event(
        "checkout.session.completed", fake_stripe.state.complete_checkout(session.session_id)
    )
    first = await deliver(completed, stripe_client)
    replayed = await stripe_events.record_event(completed)
    again = await stripe_events.process_event(
        completed["id"], stripe_client=stripe_client, grace_days=7
    )
    assert first.outcome == "ACTIVE"
    assert replayed.duplicate and not replayed.pending and again.outcome == "already processed"
    assert await StripeEvent.count() == 1 and await Subscription.count() == 1
    activated = await AuditEntry.count().where(AuditEntry.event == "billing.subscription.active")
    assert activated == 1


async def test_events_out_of_order_never_move_the_subscription_backwards(
    cast, pro, stripe_client, fake_stripe
):
    sub, _ = await _paid(cast, pro, stripe_client, fake_stripe)
    now = int(time.time())
    past_due = fake_stripe.state.update_subscription(sub, status="past_due")
    active = fake_stripe.state.update_subscription(sub, status="active")
    newer = await deliver(
        event("customer.subscription.updated", active, created=now + 20), stripe_client
    )
    older = await deliver(
        event("customer.subscription.updated", past_due, created=now + 10), stripe_client
    )
    assert newer.outcome == "ACTIVE" and older.outcome.startswith("ignored: older")
    assert (await _subscription(cast.acme_owner)).status == "ACTIVE"

    ended = fake_stripe.state.update_subscription(sub, status="canceled")
    await deliver(event("customer.subscription.deleted", ended, created=now + 30), stripe_client)
    late = await deliver(
        event("customer.subscription.updated", active, created=now + 40), stripe_client
    )
    assert late.outcome.startswith("ignored")
    assert (await _subscription(cast.acme_owner)).status == "CANCELED"
    assert (await _tenant(cast.acme_owner)).ai_tier == AITier.FREE


async def test_past_due_keeps_working_through_grace_then_suspends_until_paid(
    cast, pro, stripe_client, fake_stripe, frozen_clock
):
    sub, _ = await _paid(cast, pro, stripe_client, fake_stripe)
    failed = fake_stripe.state.invoice(sub, paid=False)
    fake_stripe.state.update_subscription(sub, status="past_due")
    await deliver(event("invoice.payment_failed", failed), stripe_client)
    row = await _subscription(cast.acme_owner)
    assert row.status == "PAST_DUE" and row.grace_until == frozen_clock.at + timedelta(days=7)
    assert await billing_suspension(cast.acme_owner.tenant_id) is None

    frozen_clock.advance(days=7)
    stopped = await billing_suspension(cast.acme_owner.tenant_id)
    assert stopped is not None and stopped.code == "PAYMENT_OVERDUE"
    assert (await _tenant(cast.acme_owner)).ai_tier == AITier.MEDIUM  # kept, only paused
    assert await billing_suspension(cast.globex_owner.tenant_id) is None

    fake_stripe.state.update_subscription(sub, status="active")
    await deliver(event("invoice.paid", fake_stripe.state.invoice(sub, paid=True)), stripe_client)
    row = await _subscription(cast.acme_owner)
    assert row.status == "ACTIVE" and row.grace_until is None
    assert await billing_suspension(cast.acme_owner.tenant_id) is None


async def test_unpaid_suspends_at_once_and_cancellation_downgrades_to_free(
    cast, pro, stripe_client, fake_stripe
):
    sub, _ = await _paid(cast, pro, stripe_client, fake_stripe)
    unpaid = fake_stripe.state.update_subscription(sub, status="unpaid")
    await deliver(event("customer.subscription.updated", unpaid), stripe_client)
    assert (await billing_suspension(cast.acme_owner.tenant_id)).code == "PAYMENT_OVERDUE"

    ended = fake_stripe.state.update_subscription(sub, status="canceled")
    await deliver(event("customer.subscription.deleted", ended), stripe_client)
    tenant = await _tenant(cast.acme_owner)
    free = await plans.ensure_free_plan()
    assert (tenant.plan, tenant.ai_tier, tenant.ai_daily_limit) == (free.id, AITier.FREE, 50)
    assert await billing_suspension(cast.acme_owner.tenant_id) is None


async def test_events_b2a_cannot_place_are_recorded_and_ignored(cast, stripe_client, fake_stripe):
    stranger = {
        "id": "sub_elsewhere",
        "object": "subscription",
        "customer": "cus_someone_else",
        "status": "active",
        "metadata": {},
        "items": {"object": "list", "data": []},
    }
    foreign = await deliver(event("customer.subscription.updated", stranger), stripe_client)
    payment = await deliver(
        event("checkout.session.completed", {"id": "cs_1", "mode": "payment"}), stripe_client
    )
    other = await deliver(event("charge.refunded", {"id": "ch_1"}), stripe_client)
    assert foreign.outcome.startswith("ignored") and foreign.tenant_id is None
    assert payment.outcome == other.outcome == "ignored"
    assert await Subscription.count() == 0
    assert await StripeEvent.count().where(StripeEvent.processed_at.is_null()) == 0


async def test_an_event_needing_stripe_waits_until_keys_exist(
    cast, pro, stripe_client, fake_stripe
):
    session = await _checkout(cast.acme_owner, pro, stripe_client)
    completed = event(
        "checkout.session.completed", fake_stripe.state.complete_checkout(session.session_id)
    )
    await stripe_events.record_event(completed)
    with pytest.raises(Unavailable):
        await stripe_events.process_event(completed["id"], stripe_client=None, grace_days=7)
    assert await stripe_events.unprocessed_events(older_than=timedelta(0)) == [completed["id"]]
    done = await stripe_events.process_event(
        completed["id"], stripe_client=stripe_client, grace_days=7
    )
    assert done.outcome == "ACTIVE"
    assert await stripe_events.unprocessed_events(older_than=timedelta(0)) == []


async def test_concurrent_deliveries_of_one_event_apply_it_once(
    cast, pro, stripe_client, fake_stripe
):
    session = await _checkout(cast.acme_owner, pro, stripe_client)
    completed = event(
        "checkout.session.completed", fake_stripe.state.complete_checkout(session.session_id)
    )
    recorded = await asyncio.gather(*(stripe_events.record_event(completed) for _ in range(4)))
    assert sorted(r.duplicate for r in recorded) == [False, True, True, True]
    results = await asyncio.gather(
        *(
            stripe_events.process_event(completed["id"], stripe_client=stripe_client, grace_days=7)
            for _ in range(4)
        )
    )
    assert sorted(r.outcome for r in results) == ["ACTIVE"] + ["already processed"] * 3
    assert await Subscription.count() == 1
    assert await AuditEntry.count().where(AuditEntry.event == "billing.subscription.active") == 1


async def test_an_incomplete_subscription_holds_no_plan_until_its_first_payment(
    cast, pro, stripe_client, fake_stripe
):
    session = await _checkout(cast.acme_owner, pro, stripe_client)
    sub = fake_stripe.state.complete_checkout(session.session_id)["subscription"]
    now = int(time.time())
    incomplete = fake_stripe.state.update_subscription(sub, status="incomplete")
    created = await deliver(
        event("customer.subscription.created", incomplete, created=now), stripe_client
    )
    assert created.outcome == "INCOMPLETE"
    assert (await _tenant(cast.acme_owner)).ai_tier == AITier.FREE
    assert await billing_suspension(cast.acme_owner.tenant_id) is None

    active = fake_stripe.state.update_subscription(sub, status="active")
    await deliver(event("customer.subscription.updated", active, created=now + 5), stripe_client)
    assert (await _tenant(cast.acme_owner)).ai_tier == AITier.MEDIUM
