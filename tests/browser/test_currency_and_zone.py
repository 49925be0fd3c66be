"""A business in Karachi: sign-up fills the browser's time zone and its currency; the owner
changes the currency by re-pricing every service on one page and sees the new prices."""

import re

import pytest
from playwright.async_api import expect

from tests.browser.conftest import PASSWORD, Visitor, unique_email

pytestmark = pytest.mark.slow  # starts b2a serve and b2a worker, and a browser


@pytest.fixture
async def karachi_visitor(chromium, stack, mailbox):
    """A browser whose clock says Asia/Karachi, as a phone in Karachi would."""
    context = await chromium.new_context(
        viewport={"width": 1280, "height": 900}, timezone_id="Asia/Karachi"
    )
    tab = Visitor(await context.new_page(), stack.base_url, stack, mailbox)
    yield tab
    await context.close()
    assert tab.problems == [], tab.problems


async def test_a_karachi_business_signs_up_in_pkr_and_reprices_to_usd(karachi_visitor):
    page = karachi_visitor.page
    await karachi_visitor.goto("/signup")
    await expect(page.get_by_label("Time zone")).to_have_value("Asia/Karachi")
    await expect(page.get_by_label("Currency")).to_have_value("PKR")
    email = unique_email("karachi")
    await page.get_by_label("Business name").fill("Karachi Cuts")
    await page.get_by_label("Your email").fill(email)
    await karachi_visitor.shot("signup-karachi")
    await page.get_by_role("button", name="Create account").click()
    await karachi_visitor.finish_sign_up(email, PASSWORD)
    await page.wait_for_url("**/app")

    await karachi_visitor.goto("/app/services")
    await page.get_by_label("Name", exact=True).fill("Haircut")
    await page.get_by_label("Price", exact=True).fill("1500")
    await page.get_by_role("button", name="Add the service").click()
    await expect(page.get_by_role("cell", name="PKR 1,500")).to_be_visible()

    await karachi_visitor.goto("/app/settings")
    await expect(page.locator("#currency")).to_contain_text("PKR")
    await page.get_by_label("Price in").select_option("USD")
    await page.get_by_role("button", name="Re-price the services…").click()
    await expect(page.get_by_role("heading", name="Change the currency to USD")).to_be_visible()
    await expect(page.get_by_role("row", name=re.compile("Haircut"))).to_contain_text("PKR 1,500")
    await page.get_by_label("New price of Haircut in USD").fill("5.50")
    await karachi_visitor.shot("currency-repricing")
    await page.get_by_role("button", name="Re-price and switch to USD").click()
    await page.wait_for_url("**/app/services")
    await expect(page.get_by_text("The business now prices in USD")).to_be_visible()
    await expect(page.get_by_role("cell", name="USD 5.50")).to_be_visible()
    await expect(page.get_by_text("PKR 1,500")).to_have_count(0)
