"""The sandbox as a test bench in a real browser, on a live ``b2a serve`` + ``b2a worker``.

The owner plays two named test customers, leaves for the inbox, comes back and
reopens the first one's chat with its history; looking at the page without
choosing makes nobody.
"""

import re
import uuid

import pytest
from playwright.async_api import expect

from b2a.catalog.tables import Service
from b2a.inbox.tables import Customer
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant
from tests.browser.conftest import unique_email

pytestmark = pytest.mark.slow  # starts b2a serve and b2a worker, and a browser


async def _new_test_customer(visitor, name: str, text: str) -> None:
    page = visitor.page
    await page.get_by_role("link", name="New test customer").click()
    await page.get_by_label("Test customer's name").fill(name)
    await page.get_by_label("Message as the customer").fill(text)
    await page.get_by_role("button", name="Send").click()
    await expect(page).to_have_url(re.compile(r"/app/sandbox\?customer="))
    await expect(page.get_by_role("heading", name=re.compile(name))).to_be_visible()
    await expect(page.locator(".bubble.mine")).to_contain_text(text)
    await expect(page.locator(".bubble.theirs").first).to_be_visible()


async def test_named_test_customers_are_listed_and_the_first_reopens_with_its_history(
    visitor, stack_db
):
    business = f"Bench Bakery {uuid.uuid4().hex[:6]}"
    await visitor.sign_up(business, unique_email("owner"))
    tenant = await Tenant.objects().where(Tenant.name == business).first()
    scope = TenantScope(tenant.id)
    await scope.new(Service, name="Chocolate cake", price_minor=280000, currency="PKR").save()
    page = visitor.page

    await visitor.goto("/app/sandbox")
    await expect(page.get_by_text("None yet: your first message makes one.")).to_be_visible()
    await visitor.goto("/app/sandbox")
    assert not await scope.exists(Customer), "looking at the page makes nobody"

    await _new_test_customer(visitor, "Ayesha", "Chocolate cake kitne ka hai?")
    first_chat = page.url
    await _new_test_customer(visitor, "Bilal", "Do you deliver to Lahore?")
    people = page.locator("#sandbox-people")
    await expect(people.get_by_role("link")).to_have_count(2)

    # Leave for the inbox: both chats are there, by name.
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Inbox").click()
    await expect(page.locator(".conv")).to_have_count(2)
    await expect(page.locator(".conv").filter(has_text="Ayesha")).to_have_count(1)

    # Come back: the list names both, with their numbers reserved for fiction.
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Sandbox").click()
    await expect(people).to_contain_text("Ayesha")
    await expect(people).to_contain_text("+44 7700 900000")
    await expect(people).to_contain_text("Bilal")
    await expect(people).to_contain_text("+44 7700 900001")
    await expect(page.locator(".bubble")).to_have_count(0)  # a blank new customer
    await people.get_by_role("link", name=re.compile("Ayesha")).click()
    await expect(page).to_have_url(first_chat)
    await expect(page.locator(".bubble.mine").first).to_contain_text("kitne ka hai?")
    await expect(page.locator(".bubble.theirs").first).to_be_visible()
    await expect(page.locator(".phone-top .badge-sandbox")).to_have_text("sandbox")
    await page.get_by_label("Message as the customer").fill("Shukriya")
    await page.get_by_role("button", name="Send").click()
    await expect(page.locator(".bubble.mine").last).to_contain_text("Shukriya")
    await expect(page.locator(".bubble.mine")).to_have_count(2)
    assert await scope.count(Customer) == 2
    await visitor.shot("sandbox-test-customers")
    assert visitor.problems == []
