"""``/api/v1/events``: the tenant's live events as server-sent events.

Each open stream holds one Redis pub/sub subscription on the tenant's channel
(``b2a.lib.events``), where the worker and the API publish new messages,
delivery states and conversation changes. A comment line every
``KEEPALIVE_SECONDS`` keeps proxies from closing an idle stream; when the client
goes away Litestar cancels the stream and the subscription is released.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

from litestar import get
from litestar.datastructures import State
from litestar.response import ServerSentEvent, ServerSentEventMessage

from b2a.lib import events
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Area

KEEPALIVE_SECONDS = 15.0
RETRY_MS = 3000


async def tenant_events(
    redis: Any, tenant_id: UUID, *, keepalive: float = KEEPALIVE_SECONDS
) -> AsyncIterator[ServerSentEventMessage]:
    """Events published for one tenant, as SSE messages, until the consumer stops."""
    pubsub = redis.pubsub()
    try:
        await pubsub.subscribe(events.channel_name(str(tenant_id)))
        # Redis confirms the subscription first; only then is nothing published missed.
        await pubsub.get_message(timeout=keepalive)
        yield ServerSentEventMessage(data=None, comment="subscribed", retry=RETRY_MS)
        loop = asyncio.get_running_loop()
        quiet_since = loop.time()
        while True:
            wait = max(0.0, quiet_since + keepalive - loop.time())
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=wait)
            if message is not None:
                kind = json.loads(message["data"]).get("type", "message")
                yield ServerSentEventMessage(data=message["data"], event=kind)
            elif loop.time() - quiet_since >= keepalive:
                yield ServerSentEventMessage(data=None, comment="keepalive")
            else:
                continue
            quiet_since = loop.time()
    finally:
        await pubsub.aclose()


@get(
    "/events",
    tags=["live"],
    summary="Stream the tenant's live events (SSE)",
    media_type="text/event-stream",
    opt={"area": Area.INBOX},
)
async def stream_events(actor: Actor, state: State) -> ServerSentEvent:
    """A ``text/event-stream`` of the tenant's live events.

    Event types include ``message.created``, ``message.status`` and
    ``conversation.updated``; the data of each is a JSON object with its ``type``
    and the ids involved.
    """
    return ServerSentEvent(tenant_events(state.redis, actor.scope.tenant_id))
