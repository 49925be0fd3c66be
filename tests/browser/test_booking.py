"""A salon books a time in a real browser: the catalogue page says orders are appointments.

The owner chooses "Appointments — we need a time" on the catalogue page; a
customer (the sandbox tab) books a manicure for tomorrow, answers "5 baje" and
a bare name; the order page shows the time in the business's zone and the
approval the customer reads repeats it.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import expect

from b2a.assistant.config import AssistantSettingsIn, update_assistant_settings
from b2a.tenants.actor import Actor
from b2a.tenants.profile import DayHours, ProfileIn, set_working_hours, update_profile
from b2a.tenants.rules import Role
from b2a.tenants.tables import Tenant, User
from tests.browser.conftest import Visitor, unique_email

pytestmark = pytest.mark.slow  # starts b2a serve and b2a worker, and a browser

ZONE = ZoneInfo("Asia/Karachi")
REPLY = 20_000
"""Milliseconds to wait for the assistant's answer: the live worker runs beside other tests."""


async def _say(tab: Visitor, text: str) -> None:
    await tab.page.get_by_label("Message as the customer").fill(text)
    await tab.page.get_by_role("button", name="Send").click()


async def _open_every_day_in_lahore(name: str, email: str) -> None:
    """The settings page's part of the set-up (tested on its own): zone, hours, a name needed."""
    tenant = await Tenant.objects().where(Tenant.name == name).first()
    user = await User.objects().where(User.email == email).first()
    owner = Actor(user.id, Role.TENANT_ADMIN, tenant.id, email)
    await update_profile(owner, ProfileIn(time_zone="Asia/Karachi"))
    await set_working_hours(owner, [DayHours(d, "10:00", "20:00") for d in range(7)])
    await update_assistant_settings(owner, AssistantSettingsIn(required_order_fields=["name"]))


async def test_a_customer_books_a_manicure_for_tomorrow_at_five_and_staff_see_the_time(
    visitor, stack_db
):
    page = visitor.page
    name, email = f"Glow Salon {uuid.uuid4().hex[:6]}", unique_email("glow")
    await visitor.sign_up(name, email)
    await _open_every_day_in_lahore(name, email)
    nav = page.get_by_role("navigation", name="Main")

    await nav.get_by_role("link", name="Services").click()
    await page.get_by_label("Name", exact=True).fill("Manicure")
    await page.get_by_label("Price").fill("1200")
    await page.get_by_role("button", name="Add the service").click()
    await page.get_by_label("Appointments — we need a time").check()
    await page.get_by_role("button", name="Save what orders need").click()
    await expect(page.get_by_text("Orders are for: Appointments — we need a time.")).to_be_visible()
    await expect(page.get_by_label("Appointments — we need a time")).to_be_checked()
    await visitor.shot("booking-catalogue-orders-need")

    await nav.get_by_role("link", name="WhatsApp").click()
    await page.get_by_role("button", name="Open the sandbox").click()
    await expect(page).to_have_url(re.compile(r"/app/sandbox"))
    answers = page.locator(".bubble.theirs")
    await _say(visitor, "I want to book a manicure tomorrow")
    await expect(answers.filter(has_text="What time tomorrow?").first).to_contain_text(
        "We are open 10:00–20:00.", timeout=REPLY
    )
    await _say(visitor, "5 baje")
    await expect(answers.filter(has_text="Please share your name").first).to_contain_text(
        "17:00 tomorrow works.", timeout=REPLY
    )
    await _say(visitor, "Sana Tariq")
    tomorrow = datetime.now(UTC).astimezone(ZONE).date() + timedelta(days=1)
    at = datetime.combine(tomorrow, time(17), tzinfo=ZONE)
    spoken = f"{at:%A} {at.day} {at:%B} at 17:00"
    waiting = answers.filter(has_text="Thank you, Sana Tariq.")
    await expect(waiting).to_contain_text(
        f"for {spoken}, now waiting for our team's approval", timeout=REPLY
    )
    await visitor.shot("booking-sandbox-chat")

    await nav.get_by_role("link", name="Orders").click()
    row = page.get_by_role("row").filter(has_text="pending approval")
    await expect(row).to_contain_text(f"{at:%a %d %b %Y} 17:00 PKT")
    await visitor.shot("booking-orders-list")
    await row.get_by_role("link", name=re.compile(r"^#\d+")).click()
    await expect(page.locator(".when")).to_contain_text(f"{at:%A %d %B %Y} at 17:00 PKT")
    await expect(page.get_by_text("Sana Tariq").first).to_be_visible()
    await page.get_by_role("button", name="Approve").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("approved")
    await visitor.shot("booking-order-approved")

    await page.get_by_role("link", name="Open the conversation").click()
    await expect(page.locator(".conversation-orders")).to_contain_text(f"{at:%a %d %b} 17:00")
    approval = page.get_by_text("approved your order request").first
    await expect(approval).to_contain_text(f"for {spoken}.", timeout=REPLY)
    await visitor.shot("booking-inbox")
    assert visitor.problems == []
