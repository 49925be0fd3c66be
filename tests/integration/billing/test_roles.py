"""Who may do what: super-admin billing is refused to tenant admins and staff; staff pay nothing."""

import pytest

from b2a.billing import account, checkout, config, coupons, manual, plans
from b2a.billing.schemas import CouponIn, LocalPayments
from b2a.errors import Forbidden
from tests.integration.billing.conftest import OPERATOR, PNG, pro_plan


def super_admin_calls(box, payment_id, plan_id, coupon_id):
    """Every billing function the admin panel calls, with arguments that would otherwise work."""
    return {
        "create_plan": lambda a: plans.create_plan(a, pro_plan()),
        "update_plan": lambda a: plans.update_plan(a, plan_id, pro_plan(name="Hacked")),
        "set_plan_active": lambda a: plans.set_plan_active(a, plan_id, False),
        "reorder_plans": lambda a: plans.reorder_plans(a, [plan_id]),
        "list_plans": lambda a: plans.list_plans(a),
        "create_coupon": lambda a: coupons.create_coupon(a, CouponIn(code="FREEALL", value=100)),
        "update_coupon": lambda a: coupons.update_coupon(
            a, coupon_id, CouponIn(code="X1X", value=99)
        ),
        "set_coupon_active": lambda a: coupons.set_coupon_active(a, coupon_id, True),
        "list_coupons": lambda a: coupons.list_coupons(a),
        "stripe_settings": lambda a: config.stripe_settings(a, box=box),
        "set_stripe_keys": lambda a: config.set_stripe_keys(a, secret_key="sk_test_mine", box=box),
        "set_local_payments": lambda a: config.set_local_payments(a, LocalPayments("USD", {})),
        "approve_manual_payment": lambda a: manual.approve_manual_payment(a, payment_id),
        "reject_manual_payment": lambda a: manual.reject_manual_payment(a, payment_id, note="no"),
    }


@pytest.fixture
async def targets(cast, pro, local, settings):
    payment = await manual.submit_manual_payment(
        cast.acme_owner.actor,
        manual.ManualPaymentIn(
            plan_id=str(pro.id),
            method="EASYPAISA",
            sender_name="Acme",
            sender_number="03001234567",
            reference="TID-1",
            screenshot=PNG,
        ),
        media_root=settings.core.media_root,
    )
    coupon = await coupons.create_coupon(OPERATOR, CouponIn(code="SPRING", value=10))
    return payment.id, pro.id, coupon.id


@pytest.mark.parametrize("who", ["acme_owner", "acme_agent"])
async def test_every_super_admin_function_is_refused_to_tenant_members(cast, box, targets, who):
    actor = getattr(cast, who).actor
    for call in super_admin_calls(box, *targets).values():
        with pytest.raises(Forbidden):
            await call(actor)
    payment_id, plan_id, _ = targets
    assert (await manual.get_manual_payment(OPERATOR, payment_id)).status == "PENDING"
    assert (await plans.get_plan(plan_id)).name == "Pro"
    assert (await config.stripe_settings(OPERATOR, box=box)).configured is False


async def test_staff_cannot_reach_billing_at_all(
    cast, box, targets, settings, fake_stripe, stripe_client
):
    payment_id, plan_id, _ = targets
    staff = cast.acme_agent.actor
    calls = {
        "pricing": lambda: plans.pricing(staff),
        "quote": lambda: manual.quote(staff, plan_id),
        "overview": lambda: account.billing_overview(staff),
        "history": lambda: account.payment_history(staff),
        "checkout": lambda: checkout.start_checkout(
            staff, plan_id, stripe_client=stripe_client, base_url="http://x"
        ),
        "portal": lambda: checkout.open_portal(staff, stripe_client=stripe_client, base_url="x"),
        "list": lambda: manual.list_manual_payments(staff),
        "get": lambda: manual.get_manual_payment(staff, payment_id),
        "screenshot": lambda: manual.receipt_file(
            staff, payment_id, media_root=settings.core.media_root
        ),
        "submit": lambda: manual.submit_manual_payment(
            staff,
            manual.ManualPaymentIn(str(plan_id), "EASYPAISA", "A", "0300123", "TID-2", PNG),
            media_root=settings.core.media_root,
        ),
    }
    for call in calls.values():
        with pytest.raises(Forbidden):
            await call()
    assert fake_stripe.state.requests == []
