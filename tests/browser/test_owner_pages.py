"""The business owner's pages in a real browser: onboarding, settings, billing, analytics.

The WhatsApp-Web session process is not started: the test plays its part the
way ``b2a whatsapp`` does it, writing the QR code to Redis with its TTL and the
channel's state to the database (``inbox.web_session.record_state``), so the
page shows what the session process would make it show.
"""

import base64
import re
import uuid
from datetime import timedelta

import pytest
from playwright.async_api import expect
from redis.asyncio import Redis

from b2a.assistant.tables import AIUsage
from b2a.billing import config, plans
from b2a.billing.schemas import LocalPayments, PlanIn
from b2a.inbox import web_session
from b2a.inbox.rules import Author, ChannelMove, ChannelState, DeliveryState, Direction, Transport
from b2a.inbox.tables import Channel, Conversation, Customer, Message
from b2a.lib import clock
from b2a.tenants.actor import Actor
from b2a.tenants.rules import AITier
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant
from b2a.whatsapp import web_relay
from tests.browser.conftest import PASSWORD, unique_email
from tests.integration.billing.conftest import METHODS

PHONE = 375
OPERATOR = Actor.operator("browser tests")
QR = "2@" + base64.b64encode(b"a pairing reference from WhatsApp").decode() + ",key,identity,adv"
# A 1x1 PNG, as a phone's screenshot would start.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
pytestmark = pytest.mark.slow  # starts b2a serve and b2a worker, and a browser


@pytest.fixture
async def redis(stack):
    client = Redis.from_url(stack.env["B2A_REDIS_URL"], decode_responses=True)
    yield client
    await client.aclose()


async def _signed_up(visitor, business: str) -> tuple[TenantScope, str]:
    """A new business signed up in ``visitor``'s browser, and its admin's email."""
    name, email = f"{business} {uuid.uuid4().hex[:6]}", unique_email("owner")
    await visitor.sign_up(name, email)
    tenant = await Tenant.objects().where(Tenant.name == name).first()
    return TenantScope(tenant.id), email


async def _page_width(visitor) -> int:
    return await visitor.page.evaluate("document.documentElement.scrollWidth")


async def test_onboarding_by_qr_code_counts_down_and_turns_connected(
    visitor, new_visitor, stack_db, redis
):
    scope, email = await _signed_up(visitor, "Qr Bakery")
    await visitor.shot("dashboard-new-business")
    await visitor.page.get_by_role("link", name="Connect WhatsApp").click()
    await expect(visitor.page.get_by_role("heading", name="Connect WhatsApp")).to_be_visible()
    await visitor.shot("onboarding")
    await visitor.page.get_by_role("link", name="Use a QR code").click()
    await visitor.page.get_by_role("button", name="Show a QR code").click()
    await expect(visitor.page.get_by_text("WhatsApp session service")).to_be_visible()

    tenant = str(scope.tenant_id)
    await redis.set(web_relay.qr_key(tenant), QR, ex=web_relay.QR_TTL_SECONDS)
    await web_session.record_state(scope, redis, ChannelMove.SHOW_QR)
    qr = visitor.page.locator("svg.qr-code")
    await expect(qr).to_be_visible()
    counter = visitor.page.locator("[data-countdown]")
    first = int(await counter.text_content())
    assert 55 <= first <= 60
    await expect(counter).not_to_have_text(str(first))
    assert int(await counter.text_content()) < first
    await visitor.shot("onboarding-qr")

    # The code runs out: the page says so while WhatsApp brings the next one.
    await redis.set(web_relay.qr_key(tenant), QR, ex=2)
    await expect(visitor.page.get_by_text("This code ran out")).to_be_visible()

    await redis.delete(web_relay.qr_key(tenant))
    await web_session.record_state(scope, redis, ChannelMove.CONNECT)
    await expect(visitor.page.get_by_text("Connected.", exact=True)).to_be_visible()
    await expect(visitor.page.locator("#web-announce")).to_contain_text("Connected.")
    await expect(qr).to_have_count(0)
    await expect(visitor.page.get_by_role("heading", name="Or pair with a code")).to_be_hidden()
    await visitor.shot("onboarding-connected")

    phone = await new_visitor(PHONE)
    await phone.log_in(email, PASSWORD)
    await phone.page.wait_for_url("**/app")
    for name, path in (("dashboard", "/app"), ("onboarding", "/app/onboarding/web")):
        await phone.goto(path)
        assert await _page_width(phone) <= PHONE, path
        await phone.shot(f"phone-{name}-connected")
    await visitor.goto("/app")
    await expect(visitor.page.get_by_text("Connect your WhatsApp number")).to_have_count(0)
    await visitor.shot("dashboard")
    assert phone.problems == []


async def test_sandbox_onboarding_leads_to_the_sandbox_page(visitor, stack_db):
    scope, _ = await _signed_up(visitor, "Sandbox Salon")
    await visitor.goto("/app/onboarding/cloud")
    await expect(visitor.page.get_by_label("Phone number ID")).to_be_visible()
    await visitor.shot("onboarding-cloud")
    await visitor.goto("/app/onboarding")
    await visitor.page.get_by_role("button", name="Open the sandbox").click()
    await expect(visitor.page).to_have_url(re.compile(r"/app/sandbox$"))
    assert await scope.exists(Channel).where(Channel.transport == Transport.SANDBOX)
    await expect(visitor.page.get_by_role("heading", level=1)).to_contain_text("Sandbox")
    await visitor.shot("sandbox-from-onboarding")


async def test_settings_save_hours_and_threshold_and_show_a_bad_time_zone(
    visitor, new_visitor, stack_db
):
    scope, email = await _signed_up(visitor, "Settings Studio")
    page = visitor.page
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    await page.get_by_label("Time zone").fill("Mars/Olympus")
    await page.get_by_role("button", name="Save the profile").click()
    await expect(page.locator("#e-time_zone")).to_contain_text("is not a time zone")
    await expect(page.get_by_label("Time zone")).to_have_attribute("aria-invalid", "true")
    await visitor.shot("settings-bad-time-zone")
    await page.get_by_label("Time zone").fill("Asia/Karachi")
    await page.get_by_role("button", name="Save the profile").click()
    await expect(page.get_by_text("The business profile is saved.")).to_be_visible()

    await expect(page.get_by_label("Friday opens")).to_be_disabled()
    await page.get_by_label("Always open (no hours)").uncheck()
    await page.get_by_label("Friday opens").fill("18:00")
    await page.get_by_label("Friday closes").fill("02:00")
    await page.get_by_label("Sunday closed").check()
    await page.get_by_role("button", name="Save the hours").click()
    await expect(page.get_by_text("The opening hours are saved.")).to_be_visible()
    await page.get_by_label("Confidence threshold").fill("0.9")
    await page.get_by_label("Prohibited phrases").fill("free delivery\nguaranteed")
    await page.get_by_role("button", name="Save the assistant").click()
    await expect(page.get_by_text("The assistant's settings are saved")).to_be_visible()

    await page.reload()
    await expect(page.get_by_label("Time zone")).to_have_value("Asia/Karachi")
    await expect(page.get_by_label("Friday opens")).to_have_value("18:00")
    await expect(page.get_by_label("Friday closes")).to_have_value("02:00")
    await expect(page.get_by_label("Sunday closed")).to_be_checked()
    await expect(page.get_by_label("Confidence threshold")).to_have_value("0.9")
    tenant = await Tenant.objects().where(Tenant.id == scope.tenant_id).first()
    assert tenant.time_zone == "Asia/Karachi"
    await visitor.shot("settings")

    phone = await new_visitor(PHONE)
    await phone.log_in(email, PASSWORD)
    await phone.page.wait_for_url("**/app")
    await phone.goto("/app/settings")
    assert await _page_width(phone) <= PHONE
    await phone.shot("phone-settings")
    assert phone.problems == []


async def test_a_manual_payment_with_a_screenshot_is_pending(visitor, stack_db):
    await config.set_local_payments(
        OPERATOR,
        LocalPayments("PKR", {"EASYPAISA": METHODS["EASYPAISA"]}),
    )
    name = f"Growth {uuid.uuid4().hex[:6]}"
    await plans.create_plan(
        OPERATOR,
        PlanIn(
            name=name,
            price_minor=2900,
            local_price_minor=800000,
            ai_tier=AITier.MEDIUM,
            ai_daily_limit=500,
            ai_monthly_limit=10000,
        ),
    )
    await _signed_up(visitor, "Billing Boutique")
    page = visitor.page
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Billing").click()
    await visitor.shot("billing")
    await page.get_by_role("link", name=f"Choose {name}").click()
    await expect(page.get_by_text("PKR 8,000.00")).to_be_visible()
    await visitor.shot("billing-pay")
    await page.get_by_label("Sender's name").fill("Boutique Traders")
    await page.get_by_label("Sender's number or account").fill("0300 7654321")
    await page.get_by_label("Transaction reference (TID)").fill("TID-BROWSER-1")
    await page.get_by_label("Screenshot or receipt").set_input_files(
        {"name": "receipt.png", "mimeType": "image/png", "buffer": PNG}
    )
    await page.get_by_role("button", name="Submit the payment").click()
    await expect(page.get_by_text("waits for review (PENDING)")).to_be_visible()
    row = page.get_by_role("row", name=re.compile("TID-BROWSER-1"))
    await expect(row.get_by_text("PENDING", exact=True)).to_be_visible()
    await expect(page.get_by_role("alert").filter(has_text="waiting for review")).to_be_visible()
    await visitor.shot("billing-pending")


async def test_analytics_draws_charts_from_seeded_rows(visitor, stack_db):
    scope, _ = await _signed_up(visitor, "Chart House")
    await _seed_traffic(scope)
    page = visitor.page
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Analytics").click()
    await expect(page.locator("svg.chart-svg")).to_have_count(4)
    await expect(page.get_by_text("assistant: 6", exact=True)).to_be_visible()
    await visitor.shot("analytics")
    await page.get_by_role("link", name="Last 30 days").click()
    await expect(page.get_by_role("link", name="Last 30 days")).to_have_attribute(
        "aria-current", "page"
    )
    await expect(page.get_by_text("assistant: 10", exact=True)).to_be_visible()
    await visitor.shot("analytics-30-days")


async def _seed_traffic(scope: TenantScope) -> None:
    """Three days of a business's customer conversations, as the worker stores them.

    On a Cloud API number: the sandbox's test chats are left out of the analytics.
    """
    channel = scope.new(Channel, transport=Transport.CLOUD, state=ChannelState.CONNECTED)
    await channel.save()
    for days_ago, replies in ((0, 4), (2, 2), (12, 4)):
        at = clock.now() - timedelta(days=days_ago)
        phone = f"9230000000{days_ago:02d}"
        customer = scope.new(Customer, name=f"Customer {days_ago}", phone=phone)
        await customer.save()
        conversation = scope.new(
            Conversation, channel=channel.id, customer=customer.id, last_message_at=at
        )
        await conversation.save()
        await scope.new(
            AIUsage, conversation=conversation.id, outcome="handoff", created_at=at
        ).save()
        await scope.new(
            Message,
            conversation=conversation.id,
            direction=Direction.INBOUND,
            text="price kya hai?",
            state=DeliveryState.RECEIVED,
            created_at=at,
        ).save()
        for _ in range(replies):
            await scope.new(
                Message,
                conversation=conversation.id,
                direction=Direction.OUTBOUND,
                author=Author.AI,
                text="Haircut is PKR 1,500.",
                state=DeliveryState.SENT,
                created_at=at,
            ).save()
            await scope.new(
                AIUsage, conversation=conversation.id, outcome="sent", created_at=at
            ).save()
