"""A salon with a catalogue, a sandbox number, a customer who writes, and the queue installed."""

from dataclasses import dataclass
from uuid import UUID, uuid4

import pytest

from b2a.catalog.tables import Service
from b2a.inbox import service as inbox
from b2a.inbox.rules import Transport
from b2a.inbox.tables import Channel
from b2a.lib import clock
from b2a.orders import service as orders
from b2a.orders.schemas import OrderCreate, OrderItemIn
from b2a.tenants.scope import TenantScope
from b2a.whatsapp.inbound import Identity, InboundMessage
from tests.pipeline import installed_queue

HAIRCUT = 150000
FACIAL = 250000
ADDRESS = {"address": "12 Mall Road, Lahore"}


@dataclass
class Salon:
    scope: TenantScope
    channel_id: UUID
    haircut: UUID
    facial: UUID
    queue: object

    async def customer_says(self, text, phone="923001234567", name="Ayesha"):
        message = InboundMessage(
            f"wamid.{uuid4().hex}", [Identity("wa_id", phone)], phone, name, "text", text,
            clock.now(),
        )  # fmt: skip
        event = await inbox.accept_inbound(self.scope, self.channel_id, Transport.SANDBOX, message)
        return await inbox.store_inbound(self.scope, event)

    async def order_for(self, actor, conversation_id, *items, details=None):
        """A staff-made request; ``items`` are (service id, quantity) pairs."""
        data = OrderCreate(
            conversation_id, [OrderItemIn(s, q) for s, q in items], dict(details or {})
        )
        return await orders.create_order(actor, data)

    async def pending(self, actor, phone="923001234567"):
        stored = await self.customer_says("hello", phone=phone)
        return await self.order_for(
            actor, stored.conversation_id, (self.haircut, 2), (self.facial, 1), details=ADDRESS
        )


async def _service(scope, name, price):
    row = scope.new(Service, name=name, price_minor=price, currency="PKR")
    await row.save()
    return row.id


@pytest.fixture
async def salon(cast, db, make_settings):
    scope = TenantScope(cast.acme_owner.tenant_id)
    haircut = await _service(scope, "Haircut", HAIRCUT)
    facial = await _service(scope, "Facial", FACIAL)
    channel = scope.new(Channel, transport=Transport.SANDBOX)
    await channel.save()
    async with installed_queue(make_settings(B2A_DB_URL=db.url)) as queue:
        yield Salon(scope, channel.id, haircut, facial, queue)
