"""A business's first day, clicked through in a real browser on a live ``b2a serve`` + worker.

Sign up, connect the sandbox, write the catalogue, invite a colleague; a
customer (the sandbox tab) asks a price and orders; the colleague approves the
request; the customer's chat shows the decision without a reload. Nothing is
seeded behind the browser's back: every row comes from a page or the pipeline.
"""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.async_api import expect

from tests.browser.conftest import Visitor, local, unique_email

pytestmark = pytest.mark.slow  # starts b2a serve and b2a worker, and a browser


async def _say(tab: Visitor, text: str) -> None:
    await tab.page.get_by_label("Message as the customer").fill(text)
    await tab.page.get_by_role("button", name="Send").click()


async def test_sign_up_to_an_approved_order_the_customer_hears_about(
    visitor, new_visitor, smtp, stack
):
    page = visitor.page
    await visitor.sign_up(f"Zara Salon {uuid.uuid4().hex[:6]}", unique_email("zara"))
    nav = page.get_by_role("navigation", name="Main")

    await nav.get_by_role("link", name="Services").click()
    await page.get_by_label("Name", exact=True).fill("Haircut")
    await page.get_by_label("Price").fill("1,500")
    await page.get_by_label("Description").fill("Wash, cut and blow-dry.")
    await page.get_by_role("button", name="Add the service").click()
    await expect(page.get_by_role("row").filter(has_text="Haircut")).to_contain_text("1,500")
    await visitor.shot("journey-services")

    await nav.get_by_role("link", name="Team", exact=True).click()
    staff_email = unique_email("stylist")
    await page.get_by_label("Email").fill(staff_email)
    await page.get_by_label("Name", exact=True).fill("Sana")
    await page.get_by_label("Role", exact=True).select_option("STAFF")
    await page.get_by_role("button", name="Invite").click()
    await expect(page.get_by_text(f"send it to {staff_email}")).to_be_visible()
    await expect(page.get_by_text("We have emailed it to them too.")).to_be_visible()

    await nav.get_by_role("link", name="WhatsApp").click()
    await page.get_by_role("button", name="Open the sandbox").click()
    await expect(page).to_have_url(re.compile(r"/app/sandbox"))
    customer = visitor

    await _say(customer, "haircut ka price kya hai?")
    answers = page.locator(".bubble.theirs")
    await expect(answers.filter(has_text="1,500").first).to_contain_text("Haircut")
    await _say(customer, "I want to book 1 haircut. My name is Ali Khan, address: 12 Mall Road")
    await expect(answers.filter(has_text="approval").first).to_be_visible()
    await expect(answers.filter(has_text=re.compile("confirmed", re.I))).to_have_count(0)
    await customer.shot("journey-sandbox-order")

    mail = (await smtp.wait_for(staff_email))[-1]
    staff = await new_visitor()
    await staff.goto(local(mail.links[0], stack.base_url))
    await staff.page.get_by_label("New password").fill("a stylist's own password")
    await staff.page.get_by_role("button", name="Set password and sign in").click()
    await expect(staff.page).to_have_url(re.compile(r"/app/inbox$"))
    await expect(staff.page.get_by_role("heading", name="Inbox")).to_be_visible()
    staff_nav = staff.page.get_by_role("navigation", name="Main")
    await staff_nav.get_by_role("link", name="Orders").click()
    row = staff.page.get_by_role("row").filter(has_text="pending approval")
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text("1,500")
    await row.get_by_role("link", name=re.compile(r"^#\d+")).click()
    await expect(staff.page.get_by_text("12 Mall Road")).to_be_visible()
    await staff.page.get_by_label("Note for your team").fill("Saturday 3 pm with Sana")
    await staff.page.get_by_role("button", name="Approve").click()
    await expect(staff.page.get_by_role("heading", level=1)).to_contain_text("approved")
    await staff.shot("journey-order-approved")

    # The customer's chat was not reloaded: the decision arrives over the live events.
    await expect(answers.filter(has_text="approved your order request")).to_have_count(1)
    await customer.shot("journey-customer-told")
    assert staff.problems == []
