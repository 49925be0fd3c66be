"""``/api/v1/events``: the tenant's live events as server-sent events, with ids and replay.

Each event's SSE ``id`` is its id in the tenant's Redis stream (``b2a.lib.events``).
A stream starts after the id the client already has: the ``Last-Event-ID`` header
(the browser's EventSource sends it by itself when it reconnects), else the
``since`` query parameter (the id a page was drawn with), else the newest event.
It sends what came after that id, then goes on live; both are one loop of XREAD
on the stream from the last id sent, so nothing is missed between them and nothing
comes twice. An id older than what the stream keeps gets a ``reset`` event: the
client reloads what it shows. Events of an area the member's role may not open
(``rules.event_area``) are left out.

A comment line every ``KEEPALIVE_SECONDS`` keeps proxies from closing an idle
stream; when the client goes away Litestar cancels the stream and the read with
it, which gives its Redis connection back.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from litestar import get
from litestar.datastructures import State
from litestar.params import HeaderParameter, QueryParameter
from litestar.response import ServerSentEvent, ServerSentEventMessage

from b2a.errors import Invalid
from b2a.lib import events
from b2a.server.params import ActorDep
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Area, event_area

KEEPALIVE_SECONDS = 15.0
RETRY_MS = 3000
# One read waits at most this long, well under the Redis client's 5-second socket timeout.
BLOCK_SECONDS = 2.0
RESET = json.dumps({"type": "reset"})


async def tenant_events(
    redis: Any, actor: Actor, since: str | None = None, *, keepalive: float = KEEPALIVE_SECONDS
) -> AsyncIterator[ServerSentEventMessage]:
    """The tenant's events after ``since`` (None: from now) that ``actor`` may see, as SSE."""
    tenant = str(actor.scope.tenant_id)
    after = since or await events.last_id(redis, tenant)
    yield ServerSentEventMessage(data=None, comment="subscribed", retry=RETRY_MS)
    if since and not await events.can_replay(redis, tenant, since):
        after = await events.last_id(redis, tenant)
        yield ServerSentEventMessage(data=RESET, event="reset", id=after)
    loop = asyncio.get_running_loop()
    quiet_since = loop.time()
    while True:
        wait = quiet_since + keepalive - loop.time()
        if wait <= 0:
            yield ServerSentEventMessage(data=None, comment="keepalive")
            quiet_since = loop.time()
            continue
        block_ms = int(min(wait, BLOCK_SECONDS) * 1000)
        for event in await events.read_after(redis, tenant, after, block_ms=block_ms):
            after = event.id
            if actor.may(event_area(event.kind)):
                yield ServerSentEventMessage(data=event.data, event=event.kind, id=event.id)
                quiet_since = loop.time()


def _start(last_event_id: str | None, since: str | None) -> str | None:
    """The id to go on from: the header wins, since the browser sends the newer one there.

    Raises:
        Invalid: it is not an event id.
    """
    start = last_event_id or since
    if start and not events.is_event_id(start):
        raise Invalid(
            f"{start!r} is not an event id; pass the id of the last event you received "
            "(such as 1733580000000-0), or nothing to start from now.",
            field="since",
        )
    return start


@get(
    "/events",
    tags=["live"],
    summary="Stream the tenant's live events (SSE), replaying from an id",
    media_type="text/event-stream",
    opt={"area": Area.INBOX},
)
async def stream_events(
    actor: ActorDep,
    state: State,
    since: Annotated[
        str | None,
        QueryParameter(description="Send the events after this id first (a page's live-since)."),
    ] = None,
    last_event_id: Annotated[
        str | None,
        HeaderParameter(name="Last-Event-ID", description="Sent by EventSource on reconnect."),
    ] = None,
) -> ServerSentEvent:
    """A ``text/event-stream`` of the tenant's live events, each with its ``id``.

    Event types include ``message.created``, ``message.status``,
    ``conversation.updated`` and ``reset`` (reload everything: the id asked for is
    older than the events kept); the data of each is a JSON object with its
    ``type`` and the ids involved.
    """
    start = _start(last_event_id, since)
    return ServerSentEvent(tenant_events(state.redis, actor, start))
