"""Questions about services through a whole turn: durations from the database, totals sent."""

import pytest

from b2a.assistant.turn import Outcome
from b2a.catalog.tables import Service
from b2a.inbox.rules import Owner, Transport
from b2a.inbox.tables import Channel
from b2a.orders.tables import Order
from b2a.tenants.scope import TenantScope
from tests.integration.assistant.test_turn import Salon
from tests.pipeline import installed_queue


@pytest.fixture
async def salon(cast, db, redis, make_settings):
    scope = TenantScope(cast.acme_owner.tenant_id)
    for name, price, minutes in (
        ("Haircut", 150000, 45),
        ("Manicure", 120000, 40),
        ("Hair Colour", 450000, 120),
        ("Waxing", 200000, None),
    ):
        row = scope.new(
            Service, name=name, price_minor=price, currency="PKR", duration_minutes=minutes
        )
        await row.save()
    channel = scope.new(Channel, transport=Transport.SANDBOX)
    await channel.save()
    async with installed_queue(make_settings(B2A_DB_URL=db.url)) as queue:
        yield Salon(scope, channel.id, redis, queue)


async def test_a_duration_stored_on_the_service_is_quoted(salon):
    result = await salon.turn(await salon.customer_says("hair colour ka time kitna lagta hai?"))
    assert result.outcome == Outcome.SENT
    [reply] = await salon.replies()
    assert reply["text"] == "Hair Colour takes about 2 h. It is PKR 4,500."


async def test_a_service_without_a_duration_hands_over(salon):
    stored = await salon.customer_says("how long does waxing take?")
    result = await salon.turn(stored)
    assert result.outcome == Outcome.HANDOFF
    assert (await salon.conversation(stored)).owner == Owner.HUMAN


async def test_a_total_of_several_services_is_sent_and_no_order_is_made(salon):
    result = await salon.turn(await salon.customer_says("manicure aur haircut dono ka total?"))
    assert result.outcome == Outcome.SENT
    [reply] = await salon.replies()
    assert reply["text"] == "Manicure: PKR 1,200\nHaircut: PKR 1,500\nTotal: PKR 2,700"
    assert await Order.count() == 0
