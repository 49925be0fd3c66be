"""The live event stream: the tenant's events only, keepalives, and a clean end on disconnect."""

import asyncio
import json

from b2a.lib import events
from b2a.server.api.events import tenant_events
from b2a.tenants.scope import TenantScope
from tests.http.api.conftest import sandbox_channel, seed_conversation
from tests.pipeline import eventually


class Stream:
    """An SSE request driven at the ASGI level (test clients buffer whole responses)."""

    def __init__(self, app, headers):
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
            "query_string": b"",
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

    async def close(self):
        self.gone.set()
        await asyncio.wait_for(self.task, 5)


async def test_the_stream_carries_the_tenants_events_and_ends_on_disconnect(
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
        headers=tokens.acme_owner,
    )
    chunk = await stream.next()
    assert "event: message.created" in chunk
    data = json.loads(chunk.split("data: ", 1)[1].split("\r\n", 1)[0])
    assert data["message_id"] == reply.json()["id"] and "secret" not in data

    await stream.close()
    channel = events.channel_name(str(cast.acme_owner.tenant_id))

    async def unsubscribed():
        return dict(await redis.pubsub_numsub(channel))[channel] == 0

    await eventually(unsubscribed)


async def test_the_stream_needs_a_token(app):
    stream = Stream(app, {})
    assert (await stream.next())["status"] == 401


async def test_an_idle_stream_sends_keepalive_comments(cast, redis):
    stream = tenant_events(redis, cast.acme_owner.tenant_id, keepalive=0.05)
    assert (await anext(stream)).comment == "subscribed"
    assert (await anext(stream)).comment == "keepalive"
    await stream.aclose()
