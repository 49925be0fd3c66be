"""Billing: plan and usage, card checkout and portal through Stripe, manual payments, history."""

import pytest

from b2a.billing import config, coupons, manual, plans
from b2a.billing.rules import CouponKind
from b2a.billing.schemas import CouponIn, LocalPayments
from b2a.billing.tables import ManualPayment
from b2a.lib.crypto import SecretBox
from b2a.tenants.actor import Actor
from tests.conftest import PASSWORD
from tests.fakes.stripe_api import SECRET_KEY, WEBHOOK_SECRET, FakeStripe
from tests.integration.billing.conftest import METHODS, PNG, pro_plan

OPERATOR = Actor.operator("tests")


@pytest.fixture
def fake_stripe():
    with FakeStripe() as fake:
        fake.state.prices.add("price_pro_monthly")
        fake.state.coupons.add("EID25")
        yield fake


@pytest.fixture
def settings(make_web_settings, fake_stripe):
    return make_web_settings(B2A_BILLING_STRIPE_API_URL=fake_stripe.base_url)


@pytest.fixture
async def pro(cast):
    await config.set_local_payments(OPERATOR, LocalPayments("PKR", METHODS))
    return await plans.create_plan(OPERATOR, pro_plan())


@pytest.fixture
async def keys(cast, settings):
    await config.set_stripe_keys(
        OPERATOR,
        secret_key=SECRET_KEY,
        webhook_secret=WEBHOOK_SECRET,
        box=SecretBox(settings.core.encryption_key),
    )


@pytest.fixture
async def eid(cast):
    return await coupons.create_coupon(
        OPERATOR,
        CouponIn(
            code="EID25",
            kind=CouponKind.PERCENT,
            value=25,
            stripe_coupon_id="EID25",
            banner_text="Eid sale: a quarter off every plan.",
        ),
    )


def payment_form(**changes):
    return {
        "method": "EASYPAISA",
        "sender_name": "Acme Traders",
        "sender_number": "0300 1234567",
        "reference": "TID77310042",
        "coupon_code": "",
        **changes,
    }


async def _pay(browser, plan, *, file=("receipt.png", PNG, "image/png"), **changes):
    await browser.get(f"/app/billing/plans/{plan.id}")
    return await browser.client.post(
        f"/app/billing/plans/{plan.id}/manual-payment",
        data={"_csrf": browser.csrf, **payment_form(**changes)},
        files={"screenshot": file},
        headers={"Accept": "text/html"},
    )


async def test_the_page_shows_the_plan_its_usage_the_plans_and_the_coupon_banner(
    browser, cast, pro, eid, keys
):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    page = await browser.get("/app/billing")
    assert page.status_code == 200
    assert "Your plan" in page.text and "Free" in page.text
    assert "Today: <strong>0</strong> of 50" in page.text
    assert "<strong>USD 29.00</strong> a month" in page.text
    assert "By EasyPaisa, Bank transfer" in page.text
    assert "<strong>PKR 8,000.00</strong> a month" in page.text
    assert f'href="/app/billing/plans/{pro.id}"' in page.text
    assert "Eid sale: a quarter off every plan." in page.text and "EID25" in page.text


async def test_a_plan_says_why_it_cannot_be_paid_by_card_and_who_can_fix_it(browser, cast, pro):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    page = await browser.get("/app/billing")
    assert "<strong>PKR 8,000.00</strong> a month" in page.text
    assert "Card payments are not set up on this server: ask the operator" in page.text
    pay = await browser.get(f"/app/billing/plans/{pro.id}")
    assert "Stripe&#39;s keys in Admin → Billing" in pay.text
    assert "not sold by card" not in pay.text
    assert "PK36 SCBL 0000 0011 2345 6702" in pay.text and "B2A Hosting (Pvt) Ltd" in pay.text


async def test_a_manual_payment_after_a_coupon_is_submitted_pending_then_reviewed(
    browser, cast, pro, eid
):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    quote = await browser.get(f"/app/billing/plans/{pro.id}?coupon_code=eid25")
    assert "PKR 6,000.00" in quote.text and "Coupon EID25 is applied" in quote.text
    assert METHODS["EASYPAISA"].instructions in quote.text
    unknown = await browser.get(f"/app/billing/plans/{pro.id}?coupon_code=NOPE")
    assert unknown.status_code == 422 and 'id="e-coupon_code"' in unknown.text
    assert "PKR 8,000.00" in unknown.text, "the price without the coupon still shows"

    nameless = await _pay(browser, pro, sender_name="", coupon_code="EID25")
    assert nameless.status_code == 422 and 'id="e-sender_name"' in nameless.text
    assert 'value="TID77310042"' in nameless.text
    script = await _pay(browser, pro, file=("receipt.png", b"#!/bin/sh\n", "image/png"))
    assert script.status_code == 422 and 'id="e-screenshot"' in script.text
    assert await ManualPayment.count() == 0

    sent = await _pay(browser, pro, coupon_code="EID25")
    assert sent.status_code == 303, sent.text
    page = await browser.get("/app/billing")
    assert "waits for review (PENDING)" in page.text
    assert "PENDING" in page.text and "PKR 6,000.00" in page.text and "TID77310042" in page.text
    assert "The payment TID77310042 (PKR 6,000.00) is waiting for review." in page.text
    payment = await ManualPayment.objects().first()
    shot = await browser.get(f"/app/billing/manual-payments/{payment.id}/screenshot")
    assert shot.status_code == 200 and shot.content == PNG
    assert shot.headers["content-type"] == "image/png"

    await manual.reject_manual_payment(OPERATOR, payment.id, note="No such TID at EasyPaisa.")
    page = await browser.get("/app/billing")
    assert "REJECTED" in page.text and "No such TID at EasyPaisa." in page.text


async def test_card_payments_go_to_stripe_and_come_back(browser, cast, pro, keys, fake_stripe):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    await browser.get(f"/app/billing/plans/{pro.id}")
    sent = await browser.post(f"/app/billing/plans/{pro.id}/checkout", {"coupon_code": ""})
    assert sent.status_code == 303
    assert sent.headers["location"].startswith("https://checkout.stripe.com/c/pay/")
    [session] = fake_stripe.state.sessions.values()
    assert session["_params"]["success_url"].startswith(
        "http://testserver/app/billing?checkout=success"
    )
    back = await browser.get("/app/billing?checkout=success")
    assert "The plan applies as soon as Stripe confirms the payment" in back.text


async def test_card_payments_say_what_is_missing(browser, cast, pro):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    await browser.get(f"/app/billing/plans/{pro.id}")
    refused = await browser.post(f"/app/billing/plans/{pro.id}/checkout", {"coupon_code": ""})
    assert refused.status_code == 409 and "card payments are not set up" in refused.text
    await browser.get("/app/billing")
    portal = await browser.post("/app/billing/portal", {})
    assert portal.status_code == 409 and "card payments are not set up" in portal.text


async def test_another_tenants_payment_screenshot_answers_404(browser, other_browser, cast, pro):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    assert (await _pay(browser, pro)).status_code == 303
    payment = await ManualPayment.objects().first()
    await other_browser.log_in(cast.globex_owner.email, PASSWORD)
    shot = await other_browser.get(f"/app/billing/manual-payments/{payment.id}/screenshot")
    assert shot.status_code == 404
    assert "TID77310042" not in (await other_browser.get("/app/billing")).text


async def test_staff_never_reach_billing(browser, cast, pro):
    await browser.log_in(cast.acme_agent.email, PASSWORD)
    assert 'href="/app/billing"' not in (await browser.get("/app")).text
    for path in ("/app/billing", f"/app/billing/plans/{pro.id}"):
        assert (await browser.get(path)).status_code == 403, path
    for path in (f"/app/billing/plans/{pro.id}/checkout", "/app/billing/portal"):
        assert (await browser.post(path, {})).status_code == 403, path
    assert (await _pay(browser, pro)).status_code == 403
    assert await ManualPayment.count() == 0


async def test_a_manual_payment_without_its_csrf_token_is_refused(browser, cast, pro):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    response = await browser.client.post(
        f"/app/billing/plans/{pro.id}/manual-payment",
        data=payment_form(),
        files={"screenshot": ("receipt.png", PNG, "image/png")},
    )
    assert response.status_code == 403 and response.json()["code"] == "CSRF_FAILED"
    assert await ManualPayment.count() == 0
