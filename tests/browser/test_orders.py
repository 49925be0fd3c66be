"""Orders in a real browser: a customer's request appears, staff approve it, the customer is told.

The order is made through the domain, as the assistant's turn makes it; the
decision goes through the page, and the worker of the live stack sends the
customer's message over the sandbox transport.
"""

import asyncio
import re
import uuid

import pytest
from playwright.async_api import expect

from b2a.catalog import service as catalog
from b2a.catalog.schemas import ServiceIn
from b2a.inbox.rules import Author, DeliveryState
from b2a.inbox.tables import Message
from b2a.orders import service as orders
from b2a.orders.schemas import OrderCreate, OrderItemIn
from b2a.tenants import service as tenants
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role
from b2a.tenants.tables import Tenant, User
from tests.browser.conftest import PASSWORD, unique_email
from tests.http.api.conftest import sandbox_channel, seed_conversation

PHONE = 375
pytestmark = pytest.mark.slow  # starts b2a serve and b2a worker, and a browser


async def _business_with_a_request(visitor):
    """A signed-up business with a staff member and a customer's pending order request."""
    name, email = f"Orders Salon {uuid.uuid4().hex[:6]}", unique_email("owner")
    await visitor.sign_up(name, email)
    await visitor.log_out()
    tenant = await Tenant.objects().where(Tenant.name == name).first()
    user = await User.objects().where(User.email == email).first()
    owner = Actor(user.id, Role.TENANT_ADMIN, tenant.id, email)
    staff_email = unique_email("staff")
    await tenants.create_user(owner, staff_email, password=PASSWORD, role=Role.STAFF)
    scope = owner.scope
    service = await catalog.create_service(owner, ServiceIn(name="Bridal makeup", price="15000"))
    conversation = await seed_conversation(scope, await sandbox_channel(scope), name="Ayesha")
    request = OrderCreate(
        conversation.id, [OrderItemIn(service.id, 2)], {"address": "12 Mall Road, Lahore"}
    )
    return await orders.create_order(owner, request), staff_email


async def _decision_message(conversation_id):
    """The SYSTEM message telling the customer, once the worker has sent it."""
    for _ in range(100):
        told = await Message.objects().where(
            (Message.conversation == conversation_id) & (Message.author == Author.SYSTEM)
        )
        if told and told[0].state == DeliveryState.SENT:
            return told[0]
        await asyncio.sleep(0.1)
    return told[0] if told else None


async def test_staff_approve_a_customers_order_request_and_the_customer_is_told(
    visitor, new_visitor, stack_db
):
    order, staff_email = await _business_with_a_request(visitor)
    await visitor.log_in(staff_email, PASSWORD)
    page = visitor.page
    await page.wait_for_url("**/app")
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Orders").click()
    row = page.get_by_role("row").filter(has_text=f"#{order.number}")
    await expect(row).to_contain_text("pending approval")
    await expect(row).to_contain_text("USD 30,000")
    await visitor.shot("orders-list")
    await row.get_by_role("link", name=f"#{order.number}").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text(f"Order #{order.number}")
    await expect(page.get_by_text("12 Mall Road, Lahore")).to_be_visible()
    await expect(page.get_by_role("button", name="Mark completed")).to_have_count(0)
    await page.get_by_role("button", name="Reject").click()
    await expect(page.locator("#e-note")).to_contain_text("say why the order is rejected")
    await page.get_by_label("Note for your team").fill("Booked for the 14th at 4 pm")
    await page.get_by_role("button", name="Approve").click()
    await expect(page).to_have_url(re.compile(rf"/app/orders/{order.id}$"))
    await expect(page.get_by_role("heading", level=1)).to_contain_text("approved")
    await expect(page.get_by_text("Booked for the 14th at 4 pm")).to_be_visible()
    await expect(page.get_by_role("button", name="Mark completed")).to_be_visible()
    await visitor.shot("order-approved")

    told = await _decision_message(order.conversation_id)
    assert told is not None and f"approved your order request #{order.number}" in told.text
    assert told.state == DeliveryState.SENT

    phone = await new_visitor(PHONE)
    await phone.log_in(staff_email, PASSWORD)
    await phone.page.wait_for_url("**/app")
    await phone.goto(f"/app/orders/{order.id}")
    width = await phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE, width
    await phone.shot("order-approved-phone")
    await phone.goto("/app/orders")
    await phone.shot("orders-list-phone")
    for path, name in (("/app/services", "services"), ("/app/schedules", "schedules")):
        await phone.goto(path)
        assert await phone.page.evaluate("document.documentElement.scrollWidth") <= PHONE
        await phone.shot(f"{name}-phone")
        await visitor.goto(path)
        await visitor.shot(name)
    await visitor.goto("/app/services")
    await expect(visitor.page.get_by_role("row").filter(has_text="Bridal makeup")).to_contain_text(
        "USD 15,000"
    )
    assert phone.problems == []
