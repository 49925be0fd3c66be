"""The inbox and the sandbox in a real browser, on a live ``b2a serve`` + ``b2a worker``.

One tab plays the customer in the sandbox, another works the inbox; neither is
reloaded while the other acts, so what arrives came over the live events.
"""

import re
import uuid

import pytest
from playwright.async_api import expect

from b2a.catalog.tables import Service
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant
from tests.browser.conftest import PASSWORD, Visitor, unique_email

PHONE = 375
SCRIPT = "<script>window.pwned = 1</script> <img src=x onerror=window.pwned=2>"
pytestmark = pytest.mark.slow  # starts b2a serve and b2a worker, and a browser


async def _signed_up(visitor, business: str) -> tuple[TenantScope, str]:
    name, email = f"{business} {uuid.uuid4().hex[:6]}", unique_email("owner")
    await visitor.sign_up(name, email)
    tenant = await Tenant.objects().where(Tenant.name == name).first()
    return TenantScope(tenant.id), email


async def _second_tab(visitor) -> Visitor:
    """Another tab of the same browser (same login)."""
    return Visitor(await visitor.page.context.new_page(), visitor.base_url)


async def _say(tab, text: str) -> None:
    await tab.page.get_by_label("Message as the customer").fill(text)
    await tab.page.get_by_role("button", name="Send").click()


async def test_the_inbox_updates_live_and_the_customer_sees_the_agents_reply(visitor, stack_db):
    await _signed_up(visitor, "Live Bakery")
    inbox = visitor.page
    await inbox.get_by_role("navigation", name="Main").get_by_role("link", name="Inbox").click()
    await expect(inbox.get_by_text("No conversations")).to_be_visible()
    await expect(inbox.locator("body[data-live=on]")).to_have_count(1)

    customer = await _second_tab(visitor)
    await customer.goto("/app/sandbox")
    await expect(customer.page.locator("body[data-live=on]")).to_have_count(1)
    await _say(customer, "Assalam o alaikum, is anyone there?")
    await expect(customer.page.locator(".bubble.mine")).to_contain_text("is anyone there?")

    # The inbox tab was never reloaded: the list row arrives over the live events.
    row = inbox.locator(".conv")
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text("Welcome to Live Bakery")
    await row.get_by_role("link").click()
    await expect(inbox.locator(".msg-inbound")).to_contain_text("is anyone there?")

    # A draft in the reply box survives the live update of the thread around it.
    await inbox.get_by_label(re.compile("^Message to")).fill("Ji, one moment")
    await _say(customer, SCRIPT)
    await expect(inbox.locator(".msg-inbound .text").last).to_have_text(SCRIPT)
    await expect(inbox.get_by_label(re.compile("^Message to"))).to_have_value("Ji, one moment")
    await expect(customer.page.locator(".bubble.mine .text").last).to_have_text(SCRIPT)
    assert await inbox.evaluate("window.pwned") is None
    assert await customer.page.evaluate("window.pwned") is None

    await inbox.get_by_label(re.compile("^Message to")).fill("Ji, we are here to help.")
    await inbox.get_by_role("button", name="Send", exact=True).click()
    await expect(inbox.locator(".msg-outbound").last).to_contain_text("we are here to help")
    await expect(inbox.get_by_text("Humans answer")).to_be_visible()
    # The customer's tab was not reloaded either.
    await expect(customer.page.locator(".bubble.theirs").last).to_contain_text(
        "we are here to help"
    )
    await expect(inbox.locator(".msg-outbound .ticks").last).to_have_attribute("title", "sent")
    await visitor.shot("inbox-desktop")
    await customer.shot("sandbox-desktop")
    assert customer.problems == []


async def test_the_assistant_answers_a_sandbox_customer_with_the_catalogue_price(visitor, stack_db):
    scope, _ = await _signed_up(visitor, "Price Salon")
    await scope.new(Service, name="Bridal makeup", price_minor=2500000, currency="PKR").save()
    await visitor.goto("/app/sandbox")
    await _say(visitor, "bridal makeup ka price kya hai?")
    answer = visitor.page.locator(".bubble.theirs").first
    await expect(answer).to_contain_text("Bridal makeup")
    await expect(answer).to_contain_text("25,000")
    await visitor.shot("sandbox-catalogue-price")


async def test_inbox_and_sandbox_fit_a_phone(visitor, new_visitor, stack_db):
    _, email = await _signed_up(visitor, "Phone Shop")
    await visitor.goto("/app/sandbox")
    await _say(visitor, "Do you deliver to Lahore?")
    await expect(visitor.page.locator(".bubble.mine")).to_contain_text("Lahore")

    phone = await new_visitor(PHONE)
    await phone.log_in(email, PASSWORD)
    await phone.page.wait_for_url("**/app")
    await phone.goto("/app/inbox")
    await expect(phone.page.locator(".conv")).to_have_count(1)
    assert await phone.page.evaluate("document.documentElement.scrollWidth") <= PHONE
    await phone.shot("inbox-phone-list")
    await phone.page.locator(".conv a").click()
    await expect(phone.page.locator(".msg-inbound")).to_contain_text("Lahore")
    await expect(phone.page.get_by_role("link", name="All conversations")).to_be_visible()
    await expect(phone.page.locator(".inbox-side")).to_be_hidden()
    assert await phone.page.evaluate("document.documentElement.scrollWidth") <= PHONE
    await phone.shot("inbox-phone-thread")
    await phone.goto(visitor.page.url[len(visitor.base_url) :])
    await expect(phone.page.locator(".bubble.mine")).to_contain_text("Lahore")
    assert await phone.page.evaluate("document.documentElement.scrollWidth") <= PHONE
    await phone.shot("sandbox-phone")
    assert phone.problems == []
