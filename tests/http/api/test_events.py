"""The live event stream: ids and replay, the tenant's events only, what a role may see,
keepalives, and a clean end on disconnect."""

import asyncio
import json

from b2a.lib import events
from b2a.server.api.events import tenant_events
from b2a.tenants.scope import TenantScope
from tests.http.api.conftest import sandbox_channel, seed_conversation
from tests.pipeline import eventually


class Stream:
    """An SSE request driven at the ASGI level (test clients buffer whole responses)."""

    def __init__(self, app, headers, query: str = ""):
        self.chunks: asyncio.Queue = asyncio.Queue()
        self.gone = asyncio.Event()
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": "/api/v1/events",
            "raw_path": b"/api/v1/events",
            "query_string": query.encode(),
            "root_path": "",
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        self.task = asyncio.create_task(app(scope, self._receive, self.chunks.put))

    async def _receive(self):
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def next(self):
        message = await asyncio.wait_for(self.chunks.get(), 5)
        return message if message["type"] == "http.response.start" else message["body"].decode()

    async def opened(self) -> None:
        """The response started and the stream is reading (the ``subscribed`` comment)."""
        assert (await self.next())["status"] == 200
        assert ": subscribed" in await self.next()

    async def event(self) -> dict:
        """The next event's fields (``id``, ``event``, ``data``), skipping comments."""
        while True:
            fields = dict(
                line.split(": ", 1)
                for line in (await self.next()).split("\r\n")
                if line and not line.startswith(":")
            )
            if "data" in fields:
                return fields

    async def close(self):
        self.gone.set()
        await asyncio.wait_for(self.task, 5)


def _blocked_readers(clients: list[dict], db: int) -> int:
    return sum(1 for c in clients if c["db"] == str(db) and c["cmd"] == "xread")


async def test_the_stream_carries_the_tenants_events_with_ids_and_ends_on_disconnect(
    app, client, cast, tokens, redis
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    conversation = await seed_conversation(scope, await sandbox_channel(scope))
    stream = Stream(app, tokens.acme_agent)
    start = await stream.next()
    assert start["status"] == 200
    assert dict(start["headers"])[b"content-type"].startswith(b"text/event-stream")
    assert ": subscribed" in await stream.next()

    await events.publish(redis, str(cast.globex_owner.tenant_id), "message.created", secret=1)
    reply = await client.post(
        f"/api/v1/conversations/{conversation.id}/messages",
        json={"text": "on its way"},
        headers=tokens.acme_agent,
    )
    got = await stream.event()
    assert got["event"] == "message.created"
    assert got["id"] == await events.last_id(redis, str(scope.tenant_id))
    data = json.loads(got["data"])
    assert data["message_id"] == reply.json()["id"] and "secret" not in data

    db = redis.connection_pool.connection_kwargs.get("db", 0)
    assert _blocked_readers(await redis.client_list(), db) == 1
    await stream.close()

    async def released():
        return _blocked_readers(await redis.client_list(), db) == 0

    await eventually(released)


async def test_a_reconnect_gets_what_came_after_its_last_event_once_then_the_live_ones(
    app, cast, tokens, redis
):
    tenant = str(cast.acme_owner.tenant_id)
    seen = await events.publish(redis, tenant, "message.created", n=1)
    missed = [await events.publish(redis, tenant, "message.created", n=n) for n in (2, 3)]
    stream = Stream(app, {**tokens.acme_agent, "Last-Event-ID": seen})
    await stream.opened()

    replayed = [await stream.event(), await stream.event()]
    live = await events.publish(redis, tenant, "conversation.updated", n=4)
    after = await stream.event()
    await stream.close()

    assert [e["id"] for e in replayed] == missed and after["id"] == live
    assert [json.loads(e["data"])["n"] for e in [*replayed, after]] == [2, 3, 4]


async def test_a_page_drawn_a_moment_ago_gets_what_happened_since_it_was_drawn(
    app, cast, tokens, redis
):
    tenant = str(cast.acme_owner.tenant_id)
    await events.publish(redis, tenant, "message.created", n=1)
    since = await events.last_id(redis, tenant)  # what the page was drawn with
    meanwhile = await events.publish(redis, tenant, "message.created", n=2)
    stream = Stream(app, tokens.acme_agent, f"since={since}")
    await stream.opened()

    got = await stream.event()
    await stream.close()

    assert got["id"] == meanwhile and json.loads(got["data"])["n"] == 2


async def test_the_header_wins_over_the_page_id_and_no_event_comes_twice(app, cast, tokens, redis):
    tenant = str(cast.acme_owner.tenant_id)
    ids = [await events.publish(redis, tenant, "message.created", n=n) for n in range(4)]
    headers = {**tokens.acme_agent, "Last-Event-ID": ids[2]}
    stream = Stream(app, headers, f"since={ids[0]}")
    await stream.opened()
    first = await stream.event()
    newer = await events.publish(redis, tenant, "message.created", n=4)
    second = await stream.event()
    await stream.close()
    assert [first["id"], second["id"]] == [ids[3], newer]


async def test_an_id_older_than_the_stream_keeps_gets_a_reset(app, cast, tokens, redis):
    tenant = str(cast.acme_owner.tenant_id)
    old = await events.publish(redis, tenant, "message.created", n=1)
    for n in range(2, 5):
        await events.publish(redis, tenant, "message.created", n=n)
    await redis.xtrim(
        events.stream_key(tenant), maxlen=2, approximate=False
    )  # as a busy hour would
    stream = Stream(app, {**tokens.acme_agent, "Last-Event-ID": old})
    await stream.opened()

    reset = await stream.event()
    live = await events.publish(redis, tenant, "message.created", n=5)
    after = await stream.event()
    await stream.close()

    assert reset["event"] == "reset" and json.loads(reset["data"]) == {"type": "reset"}
    assert reset["id"] != old and after["id"] == live, "on from the newest, not the old id"


async def test_an_id_from_before_redis_lost_the_stream_gets_a_reset(app, cast, tokens, redis):
    tenant = str(cast.acme_owner.tenant_id)
    old = await events.publish(redis, tenant, "message.created", n=1)
    await redis.delete(events.stream_key(tenant))  # a Redis restart without persistence
    stream = Stream(app, tokens.acme_agent, f"since={old}")
    await stream.opened()
    reset = await stream.event()
    await stream.close()
    assert reset["event"] == "reset" and reset["id"] == events.START


async def test_another_tenants_events_are_neither_live_nor_replayed(app, cast, tokens, redis):
    acme, globex = str(cast.acme_owner.tenant_id), str(cast.globex_owner.tenant_id)
    since = await events.publish(redis, acme, "message.created", n=0)
    await events.publish(redis, globex, "message.created", secret=1)
    mine = await events.publish(redis, acme, "message.created", n=1)
    stream = Stream(app, tokens.acme_owner, f"since={since}")
    await stream.opened()
    await events.publish(redis, globex, "message.created", secret=2)
    live = await events.publish(redis, acme, "message.created", n=2)
    got = [await stream.event(), await stream.event()]
    await stream.close()
    assert [e["id"] for e in got] == [mine, live]


async def test_staff_do_not_receive_the_events_of_areas_they_cannot_open(app, cast, tokens, redis):
    tenant = str(cast.acme_owner.tenant_id)
    since = await events.last_id(redis, tenant)
    await events.publish(redis, tenant, "whatsapp.state", state="FAILED", error="bad token")
    await events.publish(redis, tenant, "order.updated", order_id="o1")
    staff = Stream(app, tokens.acme_agent, f"since={since}")
    owner = Stream(app, tokens.acme_owner, f"since={since}")
    await staff.opened()
    await owner.opened()

    seen_by_owner = [(await owner.event())["event"], (await owner.event())["event"]]
    seen_by_staff = (await staff.event())["event"]
    await events.publish(redis, tenant, "whatsapp.qr", expires_in=60)
    await events.publish(redis, tenant, "note.created", conversation_id="c1")
    next_for_staff = (await staff.event())["event"]
    await staff.close()
    await owner.close()

    assert seen_by_owner == ["whatsapp.state", "order.updated"]
    assert (seen_by_staff, next_for_staff) == ("order.updated", "note.created")


async def test_an_id_that_is_not_one_is_refused_with_the_fix(app, tokens):
    stream = Stream(app, tokens.acme_agent, "since=yesterday")
    start = await stream.next()
    assert start["status"] == 422
    assert "is not an event id" in await stream.next()


async def test_the_stream_needs_a_token(app):
    stream = Stream(app, {})
    assert (await stream.next())["status"] == 401


async def test_an_idle_stream_sends_keepalive_comments(cast, redis):
    stream = tenant_events(redis, cast.acme_owner.actor, keepalive=0.05)
    assert (await anext(stream)).comment == "subscribed"
    assert (await anext(stream)).comment == "keepalive"
    await stream.aclose()
