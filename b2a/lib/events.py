"""Live events for the tenant's open pages: one short Redis stream per tenant.

Every change a browser should see is appended (XADD) to the tenant's stream, and
the entry's id is the event's id. A reader (``/api/v1/events``) reads on from the
last id it has handed out (XREAD), so a page that reconnects, or was drawn a
moment before its stream opened, asks for what came after the id it has; catching
up and listening are one and the same read, so no event falls between them and
none comes twice (docs/decisions.md, "Live events with ids").

The stream is short: about ``MAX_EVENTS`` entries, and it vanishes after
``KEEP_SECONDS`` without a new event. A page whose id is older than what the
stream still holds is told to reload what it shows (``history_complete``).
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from typing import Any

from b2a.lib.batcher import Batcher, BatchFailed
from b2a.lib.redis import PREFIX

# A busy tenant makes a few events per customer message (message, conversation, delivery
# states): 500 entries are a few minutes of a busy day or hours of a quiet one, about 100 kB.
MAX_EVENTS = 500
KEEP_SECONDS = 24 * 3600
# The id a page gets when its tenant has no stream yet: everything in the stream comes after.
START = "0-0"
EVENT_ID = re.compile(r"^(\d{1,20})-(\d{1,20})$")


@dataclass(frozen=True)
class Event:
    """One stored event: its stream id, its kind (``message.created``…) and its JSON data."""

    id: str
    kind: str
    data: str


def stream_key(tenant_id: str) -> str:
    """The stream holding a tenant's recent events."""
    return f"{PREFIX}events:{tenant_id}"


def is_event_id(value: str) -> bool:
    """Whether ``value`` has the shape of a stream id (``1733580000000-0``)."""
    return EVENT_ID.match(value) is not None


def _order(event_id: str) -> tuple[int, int]:
    ms, seq = event_id.split("-")
    return int(ms), int(seq)


async def publish(redis: Any, tenant_id: str, kind: str, **data: Any) -> str:
    """Tell the tenant's open pages that something changed; the new event's id."""
    key = stream_key(tenant_id)
    async with redis.pipeline(transaction=False) as pipe:
        pipe.xadd(key, _entry(kind, data), maxlen=MAX_EVENTS, approximate=True)
        pipe.expire(key, KEEP_SECONDS)
        event_id, _ = await pipe.execute()
    return str(event_id)


def _entry(kind: str, data: dict[str, Any]) -> dict[str, str]:
    return {"type": kind, "data": json.dumps({"type": kind, **data}, default=str)}


_Pending = tuple[int, str, str, str]
"""An event waiting for its pipeline: a sequence number (no two are merged), tenant, kind, JSON."""


class Publisher:
    """Publishes the events concurrent callers make together: one Redis round trip for all.

    The worker's jobs of one batch announce what they stored at the same
    moment; each event is still its own stream entry (the pages see exactly
    what ``publish`` would give them), but the events submitted before the
    event loop turns (``wait``: 0) go in one pipeline, with one EXPIRE per tenant.
    If that pipeline fails, each event is published alone, so a caller sees its
    own error.
    """

    def __init__(self, redis: Any, *, size: int = 200, wait: float = 0.0) -> None:
        self._redis = redis
        self._numbers = itertools.count()
        self._batcher: Batcher[_Pending, str] = Batcher(self._publish_all, size=size, wait=wait)

    async def publish(self, tenant_id: str, kind: str, **data: Any) -> str:
        """As ``publish``: the new event's id."""
        entry = _entry(kind, data)
        try:
            return await self._batcher.submit((next(self._numbers), tenant_id, kind, entry["data"]))
        except BatchFailed:
            return await publish(self._redis, tenant_id, kind, **data)

    async def close(self) -> None:
        """Publish what is pending (at shutdown)."""
        await self._batcher.close()

    async def _publish_all(self, pending: list[_Pending]) -> dict[_Pending, str]:
        async with self._redis.pipeline(transaction=False) as pipe:
            for _, tenant_id, kind, payload in pending:
                entry = {"type": kind, "data": payload}
                pipe.xadd(stream_key(tenant_id), entry, maxlen=MAX_EVENTS, approximate=True)
            for tenant_id in dict.fromkeys(tenant_id for _, tenant_id, _, _ in pending):
                pipe.expire(stream_key(tenant_id), KEEP_SECONDS)
            done = await pipe.execute()
        return {event: str(event_id) for event, event_id in zip(pending, done, strict=False)}


async def last_id(redis: Any, tenant_id: str) -> str:
    """The id of the tenant's newest event (``START`` when there is none): a page's ``since``."""
    newest = await redis.xrevrange(stream_key(tenant_id), count=1)
    return str(newest[0][0]) if newest else START


def history_complete(since: str, first: str | None, length: int) -> bool:
    """Whether the stream still holds every event after ``since``.

    ``first`` is the oldest id kept (None: no stream). An id the stream holds, or
    one older by exactly the trimmed entries, cannot be told apart from one whose
    successors were trimmed away, so any id older than ``first`` counts as too
    old: the page reloads once more than it strictly must, and misses nothing.
    ``START`` came from a page drawn before the tenant's stream existed: every
    entry is newer, unless trimming has begun (the stream reached its length).
    """
    if first is None:
        return since == START
    if since == START:
        return length < MAX_EVENTS
    return _order(first) <= _order(since)


async def can_replay(redis: Any, tenant_id: str, since: str) -> bool:
    """Whether every event after ``since`` is still in the tenant's stream."""
    key = stream_key(tenant_id)
    async with redis.pipeline(transaction=False) as pipe:
        pipe.xrange(key, count=1)
        pipe.xlen(key)
        oldest, length = await pipe.execute()
    return history_complete(since, str(oldest[0][0]) if oldest else None, int(length))


async def read_after(redis: Any, tenant_id: str, after: str, *, block_ms: int) -> list[Event]:
    """The events after id ``after``, waiting up to ``block_ms`` for one when there is none."""
    found = await redis.xread({stream_key(tenant_id): after}, block=max(1, block_ms), count=100)
    return [_event(entry_id, fields) for _key, entries in found for entry_id, fields in entries]


def _event(entry_id: Any, fields: dict[str, Any]) -> Event:
    return Event(str(entry_id), str(fields.get("type", "message")), str(fields.get("data", "{}")))
