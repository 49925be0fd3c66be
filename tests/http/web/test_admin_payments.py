"""The manual payments queue: screenshot, approval applying the plan, rejection with a note."""

import pytest

from b2a.billing import config, manual, plans
from b2a.billing.schemas import LocalPayments
from b2a.billing.tables import ManualPayment, Subscription
from b2a.tenants.actor import Actor
from b2a.tenants.tables import Tenant
from tests.conftest import PASSWORD
from tests.http.web._admin import log_in_operator
from tests.integration.billing.conftest import METHODS, PNG, pro_plan

OPERATOR = Actor.operator("tests")


@pytest.fixture
async def pro(cast):
    await config.set_local_payments(OPERATOR, LocalPayments("PKR", METHODS))
    return await plans.create_plan(OPERATOR, pro_plan())


async def _submit(settings, member, plan, reference="TID77310042"):
    return await manual.submit_manual_payment(
        member.actor,
        manual.ManualPaymentIn(
            plan_id=str(plan.id),
            method="EASYPAISA",
            sender_name="Acme Traders",
            sender_number="0300 1234567",
            reference=reference,
            coupon_code="",
            screenshot=PNG,
        ),
        media_root=settings.core.media_root,
    )


async def test_the_operator_approves_a_payment_and_the_tenant_gets_the_plan(
    browser, other_browser, cast, pro, settings
):
    payment = await _submit(settings, cast.acme_owner, pro)
    await log_in_operator(browser)
    queue = await browser.get("/admin/payments")
    assert queue.status_code == 200
    assert "Acme: Pro, PKR 8,000.00" in queue.text and "TID77310042" in queue.text
    shot = await browser.get(f"/admin/payments/{payment.id}/screenshot")
    assert shot.status_code == 200 and shot.content == PNG

    approved = await browser.post(f"/admin/payments/{payment.id}/approve", {})
    assert approved.status_code == 303
    done = await browser.get("/admin/payments?status=APPROVED")
    tenant = await Tenant.objects().where(Tenant.id == cast.acme_owner.tenant_id).first()
    period = await Subscription.objects().where(Subscription.tenant == tenant.id).first()
    until = f"is approved: Pro applies until {period.current_period_end:%d %b %Y}."
    assert until in done.text
    assert "No pending payments" in (await browser.get("/admin/payments")).text
    tenant = await Tenant.objects().where(Tenant.id == cast.acme_owner.tenant_id).first()
    assert tenant.plan == pro.id and tenant.ai_daily_limit == 500

    await other_browser.log_in(cast.acme_owner.email, PASSWORD)
    billing = await other_browser.get("/app/billing")
    assert '<p class="big">Pro</p>' in billing.text

    again = await browser.post(f"/admin/payments/{payment.id}/approve", {})
    assert again.status_code == 409 and "already reviewed" in again.text


async def test_a_rejection_needs_a_note_which_the_tenant_reads(
    browser, other_browser, cast, pro, settings
):
    payment = await _submit(settings, cast.globex_owner, pro, reference="TID1")
    await log_in_operator(browser)
    await browser.get("/admin/payments")
    bare = await browser.post(f"/admin/payments/{payment.id}/reject", {"note": "  "})
    assert bare.status_code == 422 and f'id="e-note-{payment.id}"' in bare.text
    assert (await ManualPayment.objects().first()).status == "PENDING"

    rejected = await browser.post(
        f"/admin/payments/{payment.id}/reject", {"note": "No such TID at EasyPaisa."}
    )
    assert rejected.status_code == 303
    await other_browser.log_in(cast.globex_owner.email, PASSWORD)
    billing = await other_browser.get("/app/billing")
    assert "REJECTED" in billing.text and "No such TID at EasyPaisa." in billing.text
