"""The super admin's panel in a real browser, on the live stack (b2a serve + b2a worker).

A tenant's manual payment is approved in /admin/payments and its billing page
shows the plan; the global AI kill switch flipped in /admin/settings makes the
next sandbox customer (sent through the REST API) get the tenant's fallback
text; every admin page is photographed (``admin-*.png`` in the artifacts).
"""

import asyncio
import base64
import re
import uuid

import httpx
import pytest
from playwright.async_api import expect

from b2a.assistant.tables import AssistantConfig
from b2a.billing import config, plans
from b2a.billing.schemas import LocalPayments, PlanIn
from b2a.catalog import service as catalog
from b2a.catalog.schemas import ServiceIn
from b2a.system import platform, switches
from b2a.tenants import service as tenants
from b2a.tenants.actor import Actor
from b2a.tenants.api_tokens import create_api_token
from b2a.tenants.rules import AITier, Role
from b2a.tenants.scope import TenantScope
from tests.browser.conftest import PASSWORD, unique_email
from tests.integration.billing.conftest import METHODS

OPERATOR = Actor.operator("browser tests")
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
FALLBACK = "Our assistant is resting; the team will answer you soon."
REPLY_WAIT = 30.0
pytestmark = pytest.mark.slow  # starts b2a serve and b2a worker, and a browser


@pytest.fixture
async def operator_tab(new_visitor, stack_db):
    """A browser logged in as a new super admin, on the admin panel."""
    email = unique_email("op")
    await tenants.create_user(OPERATOR, email, password=PASSWORD, role=Role.SUPER_ADMIN)
    tab = await new_visitor()
    await tab.log_in(email, PASSWORD)
    await tab.page.wait_for_url("**/admin")
    yield tab
    assert tab.problems == [], tab.problems


async def _tenant(name: str) -> tuple[Actor, str]:
    email = unique_email("owner")
    tenant, login = await tenants.create_tenant(
        OPERATOR, name, admin_email=email, admin_password=PASSWORD
    )
    return Actor(login.user_id, Role.TENANT_ADMIN, tenant.id, email), email


async def test_an_approved_manual_payment_gives_the_tenant_its_plan(
    visitor, operator_tab, stack_db
):
    await config.set_local_payments(
        OPERATOR, LocalPayments("PKR", {"EASYPAISA": METHODS["EASYPAISA"]})
    )
    plan = f"Scale {uuid.uuid4().hex[:6]}"
    await plans.create_plan(
        OPERATOR,
        PlanIn(name=plan, local_price_minor=500000, ai_tier=AITier.HIGH, ai_daily_limit=900),
    )
    name = f"Payer {uuid.uuid4().hex[:6]}"
    _, email = await _tenant(name)
    await visitor.log_in(email, PASSWORD)
    page = visitor.page
    await visitor.goto("/app/billing")
    await page.get_by_role("link", name=f"Choose {plan}").click()
    await page.get_by_label("Sender's name").fill("Payer Traders")
    await page.get_by_label("Sender's number or account").fill("0300 7654321")
    reference = f"TID-{uuid.uuid4().hex[:8]}"
    await page.get_by_label("Transaction reference (TID)").fill(reference)
    await page.get_by_label("Screenshot or receipt").set_input_files(
        {"name": "receipt.png", "mimeType": "image/png", "buffer": PNG}
    )
    await page.get_by_role("button", name="Submit the payment").click()
    await expect(page.get_by_text("waits for review (PENDING)")).to_be_visible()

    admin = operator_tab.page
    await operator_tab.goto("/admin/payments")
    card = admin.get_by_role("article").filter(has_text=reference)
    await expect(card.get_by_role("heading")).to_have_text(re.compile(f"{name}: {plan}"))
    shot = await admin.request.get(
        operator_tab.base_url
        + (await card.get_by_role("link", name="View the screenshot").get_attribute("href"))
    )
    assert shot.status == 200 and await shot.body() == PNG
    await operator_tab.shot("admin-payments")
    await card.get_by_role("button", name=f"Approve and apply {plan}").click()
    await expect(admin.get_by_text(f"Payment {reference} is approved")).to_be_visible()

    await visitor.goto("/app/billing")
    plan_card = page.get_by_role("region", name="Your plan")
    await expect(plan_card.get_by_text(plan, exact=True)).to_be_visible()
    await expect(plan_card.get_by_text("manual payment")).to_be_visible()
    await visitor.shot("admin-approved-tenant-billing")


async def _customer_says(base_url: str, token: str, phone: str, text: str) -> str:
    """Send a sandbox customer's message through the REST API; the first reply they get."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=10) as api:
        sent = await api.post("/api/v1/sandbox/messages", json={"phone": phone, "text": text})
        assert sent.status_code == 202, sent.text
        deadline = asyncio.get_running_loop().time() + REPLY_WAIT
        while asyncio.get_running_loop().time() < deadline:
            thread = await api.get("/api/v1/sandbox/messages", params={"phone": phone})
            replies = [m for m in thread.json() if m["direction"] == "OUTBOUND"]
            if replies:
                return replies[0]["text"]
            await asyncio.sleep(0.3)
    raise AssertionError(f"no reply to {phone} within {REPLY_WAIT} s")


async def test_the_global_ai_kill_switch_gives_the_next_customer_the_fallback(
    operator_tab, stack, stack_db
):
    owner, email = await _tenant(f"Salon {uuid.uuid4().hex[:6]}")
    await catalog.create_service(owner, ServiceIn(name="Haircut", price="1500"))
    scope = TenantScope(owner.tenant_id)
    config_row = scope.new(AssistantConfig, fallback_text=FALLBACK, greet_new_customers=False)
    await config_row.save()
    token = (await create_api_token(owner, email, name="browser test")).token

    answered = await _customer_says(
        stack.base_url, token, "+923001110001", "How much is a haircut?"
    )
    assert answered != FALLBACK and "1,500" in answered, answered

    admin = operator_tab.page
    await operator_tab.goto("/admin/settings")
    switch = admin.get_by_label("The assistant answers customers")
    await expect(switch).to_be_checked()
    await switch.uncheck()
    await admin.get_by_role("button", name="Save switches").click()
    await expect(admin.get_by_text("the assistant is OFF")).to_be_visible()
    await operator_tab.shot("admin-settings-ai-off")
    try:
        refused = await _customer_says(
            stack.base_url, token, "+923001110002", "How much is a haircut?"
        )
        assert refused == FALLBACK
    finally:
        await switches.set_ai_globally(OPERATOR, True)


PAGES = [
    ("/admin", "Platform overview", "admin-dashboard"),
    ("/admin/tenants", "Tenants", "admin-tenants"),
    ("/admin/plans", "Plans", "admin-plans"),
    ("/admin/coupons", "Coupons and banners", "admin-coupons"),
    ("/admin/settings", "System settings", "admin-settings"),
    ("/admin/usage", "AI usage", "admin-usage"),
    ("/admin/audit", "Audit log", "admin-audit"),
]


async def test_every_admin_page_renders_and_is_photographed(operator_tab, new_visitor, stack_db):
    owner, _ = await _tenant(f"Bakery {uuid.uuid4().hex[:6]}")
    for path, heading, name in PAGES:
        await operator_tab.goto(path)
        await expect(operator_tab.page.get_by_role("heading", level=1)).to_have_text(heading)
        await operator_tab.shot(name)
    await operator_tab.goto(f"/admin/tenants/{owner.tenant_id}")
    await expect(operator_tab.page.get_by_role("heading", name="Controls")).to_be_visible()
    await operator_tab.shot("admin-tenant")
    phone = await new_visitor(390)
    await phone.page.context.add_cookies(await operator_tab.page.context.cookies())
    await phone.goto("/admin/tenants")
    width = await phone.page.evaluate("document.documentElement.scrollWidth")
    await phone.shot("admin-tenants-phone")
    assert width <= 400, width


async def test_growth_tags_run_on_the_login_page_without_breaking_its_policy(new_visitor, stack_db):
    await platform.set_growth(
        OPERATOR,
        platform.Growth(
            enabled=True, google_analytics_id="G-AB12CD34", facebook_pixel_id="123456789"
        ),
    )
    try:
        tab = await new_visitor()
        response = await tab.goto("/login")
        assert "https://connect.facebook.net" in response.headers["content-security-policy"]
        first = "JSON.stringify(window.dataLayer.slice(0, 2).map(a => a[0]))"
        layer = await tab.page.evaluate(first)
        assert layer == '["js","config"]'
        assert await tab.page.evaluate("typeof window.fbq") == "function"
        assert tab.problems == [], tab.problems
    finally:
        await platform.set_growth(OPERATOR, platform.Growth())
