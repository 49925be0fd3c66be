"""WhatsApp carts in a real browser: the owner gives services their content IDs, then reads a
customer's cart as an order request with its items and what to check first.

The cart is turned into its order through the domain, as the worker does when
the customer's order message arrives.
"""

import uuid

import pytest
from playwright.async_api import expect

from b2a.inbox.rules import DeliveryState, Direction
from b2a.inbox.tables import Message
from b2a.orders.carts import order_from_cart
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant
from tests.browser.conftest import unique_email
from tests.http.api.conftest import sandbox_channel, seed_conversation

pytestmark = pytest.mark.slow  # starts b2a serve and b2a worker, and a browser

CART = {
    "catalog_id": "CAT1",
    "note": "",
    "items": [
        {"product_id": "HC-2", "quantity": 2, "price": 12.0, "currency": "USD"},
        {"product_id": "GIFT-9", "quantity": 1, "price": 5.0, "currency": "USD"},
    ],
}


async def _cart_from_customer(business):
    """Ayesha sends CART from the business's WhatsApp catalogue; the worker's step runs."""
    tenant = await Tenant.objects().where(Tenant.name == business).first()
    scope = TenantScope(tenant.id)
    conversation = await seed_conversation(scope, await sandbox_channel(scope), name="Ayesha")
    message = scope.new(
        Message,
        conversation=conversation.id,
        direction=Direction.INBOUND,
        kind="order",
        text="🛒 2 items",
        data=CART,
        state=DeliveryState.RECEIVED,
        wa_message_id=f"wamid.{uuid.uuid4().hex}",
    )
    await message.save()
    return (await order_from_cart(scope, conversation.id, message.id, CART)).order_id


async def test_content_ids_are_kept_on_services_and_a_cart_shows_what_to_check(visitor, stack_db):
    page = visitor.page
    business = f"Cart Salon {uuid.uuid4().hex[:6]}"
    await visitor.sign_up(business, unique_email("carts"))
    nav = page.get_by_role("navigation", name="Main")

    await nav.get_by_role("link", name="Services").click()
    await page.get_by_label("Name", exact=True).fill("Haircut")
    await page.get_by_label("Price").fill("10")
    await page.get_by_label("Content ID in your WhatsApp catalogue").fill("HC-1")
    await page.get_by_role("button", name="Add the service").click()
    row = page.get_by_role("row").filter(has_text="Haircut")
    await expect(row).to_contain_text("Content ID: HC-1")
    await row.get_by_role("link", name="Haircut").click()
    await expect(page.get_by_label("Content ID in your WhatsApp catalogue")).to_have_value("HC-1")
    await page.get_by_label("Content ID in your WhatsApp catalogue").fill("HC-2")
    await page.get_by_role("button", name="Save the service").click()
    await expect(page.get_by_role("row").filter(has_text="Haircut")).to_contain_text(
        "Content ID: HC-2"
    )

    await page.get_by_label("Name", exact=True).fill("Trim")
    await page.get_by_label("Price").fill("5")
    await page.get_by_label("Content ID in your WhatsApp catalogue").fill("HC-2")
    await page.get_by_role("button", name="Add the service").click()
    await expect(page.locator("#e-sku")).to_contain_text("'Haircut' already has the content ID")
    await expect(page.get_by_label("Name", exact=True)).to_have_value("Trim")
    await visitor.shot("services-content-id")

    order_id = await _cart_from_customer(business)
    await nav.get_by_role("link", name="Orders").click()
    listed = page.get_by_role("row").filter(has_text="Ayesha")
    await expect(listed).to_contain_text("check first")
    await expect(listed).to_contain_text("USD 20")
    await listed.get_by_role("link").first.click()
    await expect(page).to_have_url(f"{visitor.base_url}/app/orders/{order_id}")
    items = page.get_by_role("region", name="What was asked for")
    await expect(items.get_by_role("row").filter(has_text="Haircut")).to_contain_text("USD 10")
    await expect(items.get_by_role("row").filter(has_text="Haircut")).to_contain_text("USD 20")
    flags = page.get_by_role("region", name="Check before deciding")
    await expect(flags.get_by_role("listitem")).to_have_text(
        [
            "The cart said 12.00 USD for Haircut, the catalogue price is 10.00 USD; "
            "the order uses the catalogue price.",
            "Item GIFT-9 is not in your catalogue; it is not on the order.",
        ]
    )
    await expect(page.get_by_text("by the customer's WhatsApp cart")).to_be_visible()
    await visitor.shot("order-from-cart")
    assert visitor.problems == []
