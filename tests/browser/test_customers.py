"""The customers page in a browser: a CSV with bad lines fixed and imported; search, tag, open.

The owner signs up, a sandbox customer with an order is stored as the inbox
would store them, and everything else goes through the pages: the import
refuses a file with bad lines (each named with its reason, nothing written),
the fixed file is checked then imported, a number search finds one customer,
who is tagged on their page, which links their conversation and order.
With B2A_DOCS_SCREENSHOTS=1 the two screenshots the user guide shows are
renewed in docs/img.
"""

import os
import uuid

import pytest
from playwright.async_api import expect

from b2a.catalog import service as catalog
from b2a.catalog.schemas import ServiceIn
from b2a.orders import service as orders
from b2a.orders.schemas import OrderCreate, OrderItemIn
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role
from b2a.tenants.tables import Tenant, User
from bench import harness
from tests.browser.conftest import unique_email
from tests.http.api.conftest import sandbox_channel, seed_conversation

pytestmark = pytest.mark.slow  # starts b2a serve and b2a worker, and a browser
GUIDE = harness.ROOT / "docs" / "img"

BAD = (
    "Full name,Mobile,Email,Tags\n"
    "Ali Raza,+92 300 1111111,ali@example.com,VIP\n"
    "Sara Malik,12345,,\n"
    "Omar Khan,+92 300 1111111,,\n"
    "Nida Aziz,+44 7911 123456,nida@,Wholesale\n"
)
GOOD = (
    BAD.replace(",12345,", ",+92 300 2222222,")
    .replace("Omar Khan,+92 300 1111111", "Omar Khan,+92 300 3333333")
    .replace("nida@,", "nida@example.com,")
)


async def _business_with_a_sandbox_customer(visitor):
    name, email = f"Customers Salon {uuid.uuid4().hex[:6]}", unique_email("owner")
    await visitor.sign_up(name, email)
    tenant = await Tenant.objects().where(Tenant.name == name).first()
    user = await User.objects().where(User.email == email).first()
    owner = Actor(user.id, Role.TENANT_ADMIN, tenant.id, email)
    conversation = await seed_conversation(
        owner.scope, await sandbox_channel(owner.scope), name="Test Ayesha", phone="9900000001"
    )
    service = await catalog.create_service(owner, ServiceIn(name="Haircut", price="1500"))
    order = await orders.create_order(
        owner, OrderCreate(conversation.id, [OrderItemIn(service.id, 1)], {"address": "12 Mall Rd"})
    )
    return conversation, order


async def _guide_shot(visitor, name):
    await visitor.shot(name)
    if os.environ.get("B2A_DOCS_SCREENSHOTS") == "1":
        await visitor.page.screenshot(path=str(GUIDE / f"{name}.png"), full_page=True)


async def _upload(page, text, button):
    await page.get_by_label("CSV file", exact=True).set_input_files(
        {"name": "customers.csv", "mimeType": "text/csv", "buffer": text.encode()}
    )
    await page.get_by_role("button", name=button, exact=True).click()


async def test_import_a_csv_with_bad_lines_fix_it_search_tag_and_open_a_customer(visitor, stack_db):
    conversation, order = await _business_with_a_sandbox_customer(visitor)
    page = visitor.page
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Customers").click()
    table = page.locator("table.customers")
    await expect(table.get_by_role("row")).to_have_count(2)  # the header and the sandbox customer
    await expect(table.locator(".badge-sandbox")).to_have_text("sandbox")

    await _upload(page, BAD, "Import")
    report = page.locator(".import-report")
    await expect(report).to_contain_text("Nothing was imported")
    problems = report.locator("table.import-problems tbody tr")
    await expect(problems).to_have_count(3)
    await expect(problems.nth(0)).to_contain_text("3")
    await expect(problems.nth(0)).to_contain_text("'12345' has no country code")
    await expect(problems.nth(1)).to_contain_text("the same number as line 2")
    await expect(problems.nth(2)).to_contain_text("'nida@' is not an email address")
    await expect(table.get_by_role("row")).to_have_count(2)
    await _guide_shot(visitor, "user-customers-import")

    await _upload(page, GOOD, "Check the file")
    await expect(report).to_contain_text("The file is good: 4 new customers")
    await page.get_by_role("button", name="Import 4 customers").click()
    await expect(page.get_by_text("Imported 4 customers: 4 new, 0 updated.")).to_be_visible()
    await expect(table.get_by_role("row")).to_have_count(6)
    await expect(table).to_contain_text("+92 300 1111111")  # shown as its country writes it

    await page.get_by_label("Search customers").fill("0092 300 111")
    await page.get_by_role("button", name="Search").click()
    await expect(table.get_by_role("row")).to_have_count(2)
    await table.get_by_role("link", name="Ali Raza").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Ali Raza")
    await page.get_by_label("New tag").fill("Regular")
    await page.get_by_role("button", name="Save the tags").click()
    await expect(page.get_by_role("heading", level=1).locator(".badge.label")).to_have_text(
        ["Regular", "VIP"]
    )
    await page.get_by_role("checkbox", name="VIP").uncheck()
    await page.get_by_role("button", name="Save the tags").click()
    await expect(page.get_by_role("heading", level=1).locator(".badge.label")).to_have_text(
        ["Regular"]
    )

    await visitor.goto("/app/customers")
    await page.get_by_label("Tag").select_option("Regular")
    await page.get_by_role("button", name="Search").click()
    await expect(table.get_by_role("row")).to_have_count(2)
    await expect(table).to_contain_text("Ali Raza")

    await visitor.goto("/app/customers")
    await table.get_by_role("link", name="Test Ayesha").click()
    await expect(page.get_by_role("heading", level=1).locator(".badge-sandbox")).to_be_visible()
    await expect(page.get_by_role("link", name="Sandbox conversation")).to_have_attribute(
        "href", f"/app/inbox/{conversation.id}"
    )
    await expect(page.get_by_role("link", name=f"#{order.number}")).to_have_attribute(
        "href", f"/app/orders/{order.id}"
    )
    await expect(
        page.get_by_role("link", name="Download everything about Test Ayesha")
    ).to_be_visible()
    await _guide_shot(visitor, "user-customer")
    assert visitor.problems == []
