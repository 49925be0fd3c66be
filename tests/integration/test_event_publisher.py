"""The worker's publisher: concurrent events share a pipeline, each still its own stream entry."""

import asyncio
import json

from b2a.lib import events


async def test_events_made_at_once_are_each_their_own_entry_in_their_tenants_stream(redis):
    publisher = events.Publisher(redis)
    made = [("t1", "message.created", 1), ("t2", "message.created", 2), ("t1", "message.status", 1)]
    made += [("t1", "message.status", 1)]  # the same event twice is two events
    ids = await asyncio.gather(
        *(publisher.publish(tenant, kind, message_id=n) for tenant, kind, n in made)
    )
    await publisher.close()
    assert len({(t, i) for (t, _, _), i in zip(made, ids, strict=True)}) == len(made)
    for tenant in ("t1", "t2"):
        got = await events.read_after(redis, tenant, events.START, block_ms=1)
        mine = [(i, kind, n) for i, (t, kind, n) in zip(ids, made, strict=True) if t == tenant]
        assert [(e.id, e.kind, json.loads(e.data)) for e in got] == [
            (i, kind, {"type": kind, "message_id": n}) for i, kind, n in mine
        ]
        assert 0 < await redis.ttl(events.stream_key(tenant)) <= events.KEEP_SECONDS


async def test_an_event_published_alone_is_the_same_as_with_publish(redis):
    publisher = events.Publisher(redis)
    event_id = await publisher.publish("t1", "order.updated", order_id="o1")
    await events.publish(redis, "t1", "order.updated", order_id="o1")
    got = await events.read_after(redis, "t1", events.START, block_ms=1)
    assert got[0].id == event_id and got[0].data == got[1].data and got[0].kind == got[1].kind
