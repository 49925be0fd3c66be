"""The operator switches payments on in a real browser; a business then sees how to pay.

On the live stack (b2a serve + b2a worker) with Stripe's API played by the local
fake: the super admin enters Stripe's keys in /admin/billing, tests the key,
copies nothing but reads the webhook URL, turns EasyPaisa on with its account;
a tenant admin's billing page then shows the plan's card and PKR prices and both
ways to pay. Screenshots: ``admin-billing.png``, ``billing-plans-priced.png``.
"""

import uuid

import pytest
from playwright.async_api import expect

from b2a.billing import plans
from b2a.billing.schemas import PlanIn
from b2a.tenants import service as tenants
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role
from tests.browser.conftest import PASSWORD, unique_email
from tests.fakes.stripe_api import SECRET_KEY, WEBHOOK_SECRET, FakeStripe

OPERATOR = Actor.operator("browser tests")
pytestmark = pytest.mark.slow  # starts b2a serve and b2a worker, and a browser


@pytest.fixture(scope="module")
def fake_stripe():
    with FakeStripe() as fake:
        yield fake


@pytest.fixture(scope="module")
def stack_env(fake_stripe):
    return {"B2A_BILLING_STRIPE_API_URL": fake_stripe.base_url}


async def test_the_operator_switches_payments_on_and_a_business_sees_both_ways_to_pay(
    new_visitor, stack, stack_db
):
    email = unique_email("op")
    await tenants.create_user(OPERATOR, email, password=PASSWORD, role=Role.SUPER_ADMIN)
    operator = await new_visitor()
    await operator.log_in(email, PASSWORD)
    await operator.page.wait_for_url("**/admin")
    admin = operator.page
    await admin.get_by_role("navigation").get_by_role("link", name="Billing").click()
    await admin.wait_for_url("**/admin/billing")
    webhook = admin.get_by_label("Endpoint URL")
    await expect(webhook).to_have_value(f"{stack.base_url}/webhooks/stripe")

    await admin.get_by_label("Secret key").fill(SECRET_KEY)
    await admin.get_by_label("Webhook signing secret").fill(WEBHOOK_SECRET)
    await admin.get_by_role("button", name="Save Stripe keys").click()
    await expect(admin.get_by_text("Stripe's keys are saved (encrypted).")).to_be_visible()
    await expect(admin.get_by_text("••••••••" + SECRET_KEY[-4:])).to_be_visible()
    await admin.get_by_role("button", name="Test the key").click()
    await expect(
        admin.get_by_text("Stripe accepted the key: account B2A Hosting (acct_1FakeB2aHosting)")
    ).to_be_visible()

    easypaisa = admin.get_by_role("group", name="EasyPaisa")
    await easypaisa.get_by_label("Offer EasyPaisa").check()
    await easypaisa.get_by_label("Account title").fill("B2A Hosting")
    await admin.get_by_role("button", name="Save manual payments").click()
    number = admin.get_by_role("group", name="EasyPaisa").get_by_label("Mobile account number")
    await expect(number).to_have_attribute("aria-invalid", "true")
    await expect(admin.get_by_text("EasyPaisa is on: give the number")).to_be_visible()
    await number.fill("0300 1234567")
    await admin.get_by_role("button", name="Save manual payments").click()
    await expect(admin.get_by_text("Businesses can now pay in PKR by EasyPaisa.")).to_be_visible()
    assert SECRET_KEY not in await admin.content()
    await operator.shot("admin-billing")
    assert operator.problems == [], operator.problems

    plan = f"Growth {uuid.uuid4().hex[:6]}"
    await plans.create_plan(
        OPERATOR, PlanIn(name=plan, price_minor=2900, currency="USD", local_price_minor=300000)
    )
    owner = unique_email("owner")
    await tenants.create_tenant(
        OPERATOR, f"Salon {uuid.uuid4().hex[:6]}", admin_email=owner, admin_password=PASSWORD
    )
    business = await new_visitor()
    await business.log_in(owner, PASSWORD)
    await business.page.wait_for_url("**/app")
    await business.goto("/app/billing")
    card = business.page.get_by_role("article").filter(has_text=plan)
    await expect(card.get_by_text("USD 29.00")).to_be_visible()
    await expect(card.get_by_text("PKR 3,000.00")).to_be_visible()
    await expect(card.get_by_text("By EasyPaisa")).to_be_visible()
    await business.shot("billing-plans-priced")

    await card.get_by_role("link", name=f"Choose {plan}").click()
    page = business.page
    await expect(page.get_by_role("button", name="Pay by card")).to_be_visible()
    await expect(page.get_by_text("0300 1234567")).to_be_visible()
    await expect(page.get_by_text("B2A Hosting", exact=True)).to_be_visible()
    await expect(page.get_by_role("button", name="Submit the payment")).to_be_visible()
    assert business.problems == [], business.problems
