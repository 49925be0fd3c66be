"""Pacing: the per-customer limit holds messages back instead of sending them too fast."""

from datetime import timedelta

from b2a.inbox.rules import Author, DeliveryState, Transport
from b2a.inbox.tables import Channel, Conversation, Customer, Message
from b2a.lib import clock, ratelimit
from b2a.lib.http import create_client
from b2a.outbox.delivery import Step, deliver
from b2a.outbox.queueing import Draft, Sender, queue_message
from b2a.outbox.transports import Transports
from b2a.tenants.scope import TenantScope
from tests.pipeline import installed_queue


async def test_reserve_never_lets_more_than_the_limit_through(redis):
    key = ratelimit.limit_key("test", "burst")
    waits = [await ratelimit.reserve(redis, key, limit=3, window=60) for _ in range(5)]
    assert waits[:3] == [0, 0, 0]
    assert all(55 < wait <= 60 for wait in waits[3:])
    assert await ratelimit.reserve(redis, key, limit=0, window=60) == 0


async def test_the_third_message_to_one_customer_waits_for_the_window(
    cast, db, make_settings, redis
):
    settings = make_settings(
        B2A_DB_URL=db.url, B2A_SEND_PER_CUSTOMER="2", B2A_SEND_CUSTOMER_WINDOW_SECONDS="30"
    )
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = scope.new(Channel, transport=Transport.SANDBOX)
    await channel.save()
    customer = scope.new(Customer, phone="923001234567")
    await customer.save()
    conversation = scope.new(
        Conversation,
        channel=channel.id,
        customer=customer.id,
        window_expires_at=clock.now() + timedelta(hours=1),
    )
    await conversation.save()
    outcomes = []
    async with installed_queue(settings), create_client() as http:
        transports = Transports(settings, http, redis)
        for n in range(3):
            queued = await queue_message(
                scope, conversation.id, Draft(text=f"m{n}"), Sender(Author.SYSTEM)
            )
            outcomes.append(
                await deliver(
                    scope,
                    queued.id,
                    transports=transports,
                    redis=redis,
                    pacing=settings.sending,
                    media_root=settings.core.media_root,
                )
            )
    assert [o.step for o in outcomes] == [Step.DONE, Step.DONE, Step.LATER]
    assert 25 < outcomes[2].delay <= 30
    states = {
        r["text"]: r["state"] for r in await scope.select(Message, Message.text, Message.state)
    }
    assert states == {
        "m0": DeliveryState.SENT,
        "m1": DeliveryState.SENT,
        "m2": DeliveryState.QUEUED,
    }


async def test_reserving_several_limits_takes_a_slot_of_each_or_of_none(redis):
    customer = ratelimit.Limit(ratelimit.limit_key("test", "customer"), 5, 60)
    number = ratelimit.Limit(ratelimit.limit_key("test", "number"), 2, 60)
    waits = [await ratelimit.reserve_all(redis, [customer, number]) for _ in range(3)]
    assert waits[:2] == [0, 0] and 55 < waits[2] <= 60
    assert len(await ratelimit.taken(redis, customer)) == 2, "the held one kept no slot"
    assert await ratelimit.reserve_all(redis, [customer]) == 0
    assert await ratelimit.reserve_all(redis, [ratelimit.Limit("unused", 0, 60)]) == 0
