"""A customer's WhatsApp cart becomes an order request, on PostgreSQL and SQLite."""

import asyncio
from dataclasses import dataclass
from uuid import UUID, uuid4

import pytest

from b2a.audit.tables import AuditEntry
from b2a.catalog.tables import Service
from b2a.inbox import service as inbox
from b2a.inbox.rules import Direction, Transport
from b2a.inbox.tables import Channel, Message
from b2a.lib import clock
from b2a.orders import service as orders
from b2a.orders.carts import order_from_cart
from b2a.orders.tables import Order, OrderItem
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant
from b2a.whatsapp.inbound import Identity, InboundMessage

PHONE = "923001234567"


@dataclass
class Shop:
    scope: TenantScope
    channel_id: UUID
    haircut: UUID
    beard: UUID

    async def cart(self, data, phone=PHONE):
        """The customer sends ``data`` as an order message; (conversation id, message id)."""
        message = InboundMessage(
            f"wamid.{uuid4().hex}", [Identity("wa_id", phone)], phone, "Ayesha", "order",
            "🛒 cart", clock.now(), data=data,
        )  # fmt: skip
        event = await inbox.accept_inbound(self.scope, self.channel_id, Transport.SANDBOX, message)
        stored = await inbox.store_inbound(self.scope, event)
        return stored.conversation_id, stored.message_id

    async def order(self, data, phone=PHONE):
        conversation_id, message_id = await self.cart(data, phone)
        made = await order_from_cart(self.scope, conversation_id, message_id, data)
        return await orders.get_order(_reader(self.scope), made.order_id)


def _reader(scope):
    return Actor(None, Role.STAFF, scope.tenant_id, label="test")


async def _service(scope, name, price, currency, **extra):
    row = scope.new(Service, name=name, price_minor=price, currency=currency, **extra)
    await row.save()
    return row.id


async def _shop(tenant_id, currency, haircut_price, beard_price):
    scope = TenantScope(tenant_id)
    await Tenant.update({Tenant.currency: currency}).where(Tenant.id == tenant_id)
    haircut = await _service(scope, "Haircut", haircut_price, currency, sku="HC-1")
    beard = await _service(scope, "Beard trim", beard_price, currency)
    await _service(scope, "Old colour", 900, currency, sku="OLD", is_active=False)
    channel = scope.new(Channel, transport=Transport.SANDBOX)
    await channel.save()
    return Shop(scope, channel.id, haircut, beard)


@pytest.fixture
async def shop(cast, db):
    return await _shop(cast.acme_owner.tenant_id, "USD", 1000, 500)


def item(ref, quantity=1, price=None, currency="USD"):
    return {"product_id": ref, "quantity": quantity, "price": price, "currency": currency}


def cart(*items, note=""):
    return {"catalog_id": "CAT1", "note": note, "items": list(items)}


async def test_items_match_by_content_id_then_our_id_then_name_at_catalogue_prices(shop):
    order = await shop.order(
        cart(item("HC-1", 2, 10.0), item(str(shop.beard), 1, 5), note="after 5pm please")
    )
    again = await shop.order(cart(item("haircut", 1, "10.00"), item("BEARD TRIM", 3, 5.0)))

    assert {(i.name, i.quantity, i.unit_price_minor) for i in order.items} == {
        ("Haircut", 2, 1000),
        ("Beard trim", 1, 500),
    }
    assert order.total_minor == 2500 and order.total == "USD 25" and order.flags == []
    assert order.currency == "USD" and not order.created_by_ai
    assert order.details["note"] == "after 5pm please"
    assert order.status == "DRAFT" and order.missing_fields == ["address"]
    assert [h.actor_label for h in order.history] == ["the customer's WhatsApp cart"]
    assert {(i.name, i.quantity) for i in again.items} == {("Haircut", 1), ("Beard trim", 3)}
    assert again.total_minor == 2500 and again.flags == []


async def test_our_fixed_prices_win_and_a_different_price_or_currency_is_flagged(shop):
    order = await shop.order(cart(item("HC-1", 1, 12.0), item("Beard trim", 2, 5, "EUR")))

    assert order.total_minor == 1000 + 2 * 500
    assert order.flags == [
        "The cart said 12.00 USD for Haircut, the catalogue price is 10.00 USD; "
        "the order uses the catalogue price.",
        "The cart said 5.00 EUR for Beard trim, the catalogue price is 5.00 USD; "
        "the order uses the catalogue price.",
    ]


async def test_unknown_inactive_and_bad_quantities_are_flagged_and_left_off(shop):
    order = await shop.order(
        cart(
            item("ABC", 1, 3.0),
            item("OLD", 1, 9.0),
            item("", 1),
            item("HC-1", 0),
            item("HC-1", -2),
            item("HC-1", 1.5),
            item("HC-1", "two"),
            item("Beard trim", 1, 5),
        )
    )

    assert [(i.name, i.quantity) for i in order.items] == [("Beard trim", 1)]
    assert order.total_minor == 500
    assert order.flags == [
        "Item ABC is not in your catalogue; it is not on the order.",
        "Old colour is inactive in your catalogue; it is not on the order.",
        "An item without a content ID is not in your catalogue; it is not on the order.",
        "The cart asks for 0 of Haircut; a quantity is a whole number from 1 to 9,999, "
        "so it is not on the order.",
        "The cart asks for -2 of Haircut; a quantity is a whole number from 1 to 9,999, "
        "so it is not on the order.",
        "The cart asks for 1.5 of Haircut; a quantity is a whole number from 1 to 9,999, "
        "so it is not on the order.",
        "The cart asks for 'two' of Haircut; a quantity is a whole number from 1 to 9,999, "
        "so it is not on the order.",
    ]


async def test_an_item_named_twice_is_one_line_and_at_most_9999(shop):
    order = await shop.order(cart(item("HC-1", 6000), item("Haircut", 5000)))

    assert [(i.name, i.quantity) for i in order.items] == [("Haircut", 9999)]
    assert order.flags == [
        "The cart asks for 11000 of Haircut in all; the order has the most one line holds, 9,999."
    ]


async def test_a_huge_cart_is_read_up_to_its_first_100_items(shop):
    order = await shop.order(cart(*[item("HC-1", 1, 10)] * 99, item("Beard trim"), item("x")))

    assert {(i.name, i.quantity) for i in order.items} == {("Haircut", 99), ("Beard trim", 1)}
    assert order.flags == ["The cart has 101 items; only the first 100 were read."]


async def test_a_cart_of_only_unknown_items_still_reaches_the_team(shop):
    order = await shop.order(cart(item("NOPE", 2, 4.5)))
    empty = await shop.order(cart())

    assert order.items == [] and order.total_minor == 0
    told = await shop.scope.count(Message).where(Message.direction == Direction.OUTBOUND)
    assert told == 0, "a total of nothing is not told to the customer"
    assert order.flags == ["Item NOPE is not in your catalogue; it is not on the order."]
    assert empty.flags == ["The cart had no items; ask the customer what they would like."]


async def test_one_cart_message_makes_one_order_however_often_its_job_runs(shop):
    data = cart(item("HC-1", 1, 10))
    conversation_id, message_id = await shop.cart(data)

    first = await order_from_cart(shop.scope, conversation_id, message_id, data)
    retried = await order_from_cart(shop.scope, conversation_id, message_id, data)
    raced = await asyncio.gather(
        *(order_from_cart(shop.scope, conversation_id, message_id, data) for _ in range(3))
    )

    assert {first.order_id, retried.order_id, *(r.order_id for r in raced)} == {first.order_id}
    assert first.told is not None, "the customer is told the request's number and total"
    assert [retried.told, *(r.told for r in raced)] == [None] * 4, "and only once"
    assert await shop.scope.count(Order) == 1
    assert await shop.scope.count(OrderItem) == 1
    created = await shop.scope.count(AuditEntry).where(AuditEntry.event == "order.created")
    assert created == 1


async def test_two_carts_at_once_make_two_orders_with_their_own_numbers(shop):
    sent = [await shop.cart(cart(item("HC-1", n)), phone=f"92311111111{n}") for n in (1, 2, 3)]

    made = await asyncio.gather(
        *(order_from_cart(shop.scope, c, m, cart(item("HC-1", 1))) for c, m in sent)
    )

    ids = [m.order_id for m in made]
    numbers = await shop.scope.select(Order, Order.number).where(Order.id.is_in(ids))
    assert sorted(r["number"] for r in numbers) == [1, 2, 3]


async def test_yen_prices_have_no_decimal_places(cast, db):
    shop = await _shop(cast.acme_owner.tenant_id, "JPY", 1500, 800)

    order = await shop.order(
        cart(item("HC-1", 2, 1500, "JPY"), item("Beard trim", 1, 800.5, "JPY"))
    )

    assert order.total_minor == 2 * 1500 + 800 and order.total == "JPY 3,800"
    assert order.flags == [
        "The cart said 800.5 JPY for Beard trim, the catalogue price is 800 JPY; "
        "the order uses the catalogue price."
    ]


async def test_a_whatsapp_web_cart_points_the_team_to_the_phone(shop):
    data = {
        "catalog_id": "",
        "note": "",
        "items": [],
        "order_id": "1234567890",
        "item_count": 3,
        "total": "27.50",
        "currency": "USD",
    }

    order = await shop.order(data)

    assert order.items == [] and order.total_minor == 0
    told = await shop.scope.count(Message).where(Message.direction == Direction.OUTBOUND)
    assert told == 0, "a total of nothing is not told to the customer"
    assert order.flags == [
        "The items are only in the customer's WhatsApp order 1234567890 "
        "(3 items, total 27.50 USD): open it on the phone."
    ]


async def test_the_order_list_marks_flagged_requests(shop):
    clean = await shop.order(cart(item("HC-1", 1, 10)))
    flagged = await shop.order(cart(item("ABC", 1)), phone="923009999999")

    listed = await orders.list_orders(_reader(shop.scope))

    assert {o.id: o.flagged for o in listed.items} == {clean.id: False, flagged.id: True}
