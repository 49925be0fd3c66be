"""A conversation's outbound messages leave as a queue: first made, first sent (SPEC §11).

The queue is the conversation's QUEUED and SENDING outbound messages ordered by
``(created_at, id)``; its first is the head. Only the head's send job may
reserve a slot of the sending limits and send, and it does so holding the
conversation's turn (a Redis lock with a TTL), so one job at a time acts on a
conversation whichever worker process runs it. A job for a message further back
stops without sending (``Step.BEHIND``) and is not rescheduled: when the head
leaves the queue (sent, or dead), the job that moved it wakes the new head
(``wake_next``), so nothing polls while it waits. A held head keeps its place
and reserves again when its wait is over; nothing behind it can take that slot.

Crashes: a worker that dies holding the turn leaves it to expire after
``TURN_SECONDS``; a head whose wake-up was lost (a crash between leaving and
waking) is found by the stranded-send sweep, which looks only at heads
(``b2a.outbox.sweep``). A wake-up touches the new head's ``state_changed_at``
so the sweep does not also send it a job.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any
from uuid import UUID, uuid4

from b2a.db.sql import Statement, each_row, on_postgres
from b2a.inbox.rules import DeliveryState, Direction
from b2a.lib import clock
from b2a.lib.redis import PREFIX
from b2a.outbox.queueing import enqueue_send
from b2a.tenants.scope import TenantScope

# Longer than a send job's timeout (60 s, ``enqueue_send``): a live job never outlasts its turn.
TURN_SECONDS = 90
# A job that finds another one sending in its conversation comes back this much later.
BUSY_RETRY = 1.0
# How many of a conversation's waiting messages get an estimate of when they leave.
ESTIMATED = 50
SAME_ESTIMATE = timedelta(seconds=1)

# Several turns at once (a batch of sends): KEYS the turns, ARGV[1] the TTL, then a token per key.
_TAKE_EACH = """
local taken = {}
for i, key in ipairs(KEYS) do
    taken[i] = redis.call('SET', key, ARGV[i + 1], 'NX', 'EX', ARGV[1]) and 1 or 0
end
return taken
"""
_RELEASE_EACH = """
for i, key in ipairs(KEYS) do
    if redis.call('GET', key) == ARGV[i] then
        redis.call('DEL', key)
    end
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


def waiting_sql(alias: str) -> str:
    """SQL saying the ``message`` row ``alias`` is an outbound message still waiting to go.

    The values are written into the SQL, not bound: only then can PostgreSQL's
    generic plan of a prepared statement use the partial index of waiting
    messages (``ix_message_send_queue``).
    """
    return (
        f"{alias}.direction = '{Direction.OUTBOUND}' "
        f"AND {alias}.state IN ('{DeliveryState.QUEUED}', '{DeliveryState.SENDING}')"
    )


_WAITING = Statement(
    f"""SELECT m.id, m.state, m.held_until FROM message m
    WHERE m.tenant = :tenant AND m.conversation = :conversation AND {waiting_sql("m")}
    ORDER BY m.created_at, m.id LIMIT :limit"""
)
_WAITING_EACH = Statement(
    f"""SELECT w.conversation, w.id, w.state, w.held_until, w.created_at
    FROM unnest(:conversations::uuid[]) AS q(conversation)
    CROSS JOIN LATERAL (SELECT m.conversation, m.id, m.state, m.held_until, m.created_at
        FROM message m
        WHERE m.tenant = :tenant AND m.conversation = q.conversation AND {waiting_sql("m")}
        ORDER BY m.created_at, m.id LIMIT :limit) w
    ORDER BY w.conversation, w.created_at, w.id"""
)


@cache
def _waiting_each(count: int) -> Statement:
    """``_WAITING`` for ``count`` conversations on SQLite (no arrays): one branch each."""
    return Statement(
        each_row(
            count,
            f"""SELECT * FROM (SELECT m.conversation, m.id, m.state, m.held_until, m.created_at
                FROM message m WHERE m.tenant = :tenant AND m.conversation = :conversation{{n}}
                AND {waiting_sql("m")} ORDER BY m.created_at, m.id LIMIT :limit)""",
            " UNION ALL ",
        )
        + " ORDER BY conversation, created_at, id"
    )


_HELD = Statement(
    """UPDATE message SET held_until = :until
    WHERE id = :id AND (tenant = :tenant AND state = :queued) IS TRUE"""
)
_WOKEN = Statement(
    """UPDATE message SET state_changed_at = :at
    WHERE id = :id AND (tenant = :tenant AND state IN (:queued, :sending)) IS TRUE"""
)


@dataclass(frozen=True)
class Waiting:
    """One message of a conversation's queue."""

    id: UUID
    state: str
    held_until: datetime | None = None


async def waiting(scope: TenantScope, conversation_id: UUID, limit: int) -> list[Waiting]:
    """The first ``limit`` messages of the conversation's queue, head first."""
    rows = await scope.fetch(_WAITING, conversation=conversation_id, limit=limit)
    return [Waiting(row["id"], row["state"], row["held_until"]) for row in rows]


async def waiting_each(
    scope: TenantScope, conversation_ids: list[UUID], limit: int
) -> dict[UUID, list[Waiting]]:
    """``waiting`` for several conversations in one statement (a batch of sends)."""
    if not conversation_ids:
        return {}
    if on_postgres():
        rows = await scope.fetch(_WAITING_EACH, conversations=conversation_ids, limit=limit)
    else:
        params = {f"conversation{n}": c for n, c in enumerate(conversation_ids)}
        rows = await scope.fetch(_waiting_each(len(conversation_ids)), limit=limit, **params)
    queues: dict[UUID, list[Waiting]] = {c: [] for c in conversation_ids}
    for row in rows:
        queues[row["conversation"]].append(Waiting(row["id"], row["state"], row["held_until"]))
    return queues


@contextlib.asynccontextmanager
async def turn(redis: Any, tenant_id: UUID, conversation_id: UUID) -> AsyncIterator[bool]:
    """Take the conversation's turn if no other job holds it; yields whether it was taken."""
    key = _turn_key(tenant_id, conversation_id)
    token = uuid4().hex
    mine = bool(await redis.set(key, token, nx=True, ex=TURN_SECONDS))
    try:
        yield mine
    finally:
        if mine:
            await redis.register_script(_RELEASE)(keys=[key], args=[token])


async def take_turns(
    redis: Any, tenant_id: UUID, conversation_ids: list[UUID]
) -> dict[UUID, str | None]:
    """``turn`` for several conversations in one Redis call: each one's token, None if busy.

    Give them back with ``release_turns``.
    """
    if not conversation_ids:
        return {}
    keys = [_turn_key(tenant_id, c) for c in conversation_ids]
    tokens = [uuid4().hex for _ in conversation_ids]
    taken = await redis.register_script(_TAKE_EACH)(keys=keys, args=[TURN_SECONDS, *tokens])
    return {
        c: token if int(got) else None
        for c, token, got in zip(conversation_ids, tokens, taken, strict=True)
    }


async def release_turns(redis: Any, tenant_id: UUID, tokens: dict[UUID, str | None]) -> None:
    """Give back the turns ``take_turns`` took (those still held under their tokens)."""
    held = {c: token for c, token in tokens.items() if token is not None}
    if held:
        await redis.register_script(_RELEASE_EACH)(
            keys=[_turn_key(tenant_id, c) for c in held], args=list(held.values())
        )


def _turn_key(tenant_id: UUID, conversation_id: UUID) -> str:
    return f"{PREFIX}sending:{tenant_id}:{conversation_id}"


async def hold(scope: TenantScope, queue: list[Waiting], leaving: list[float]) -> None:
    """Record when each waiting message should leave (``leaving``: seconds from now)."""
    now = clock.now()
    for message, seconds in zip(queue, leaving, strict=False):
        await scope.execute(
            _HELD,
            id=message.id,
            until=now + timedelta(seconds=seconds),
            queued=DeliveryState.QUEUED,
        )


async def wake_next(scope: TenantScope, conversation_id: UUID) -> UUID | None:
    """Give the conversation's new head a send job now; its id, None when the queue is empty."""
    queue = await waiting(scope, conversation_id, 1)
    if not queue:
        return None
    head = queue[0].id
    await scope.execute(
        _WOKEN,
        id=head,
        at=clock.now(),
        queued=DeliveryState.QUEUED,
        sending=DeliveryState.SENDING,
    )
    await enqueue_send(scope.tenant_id, head, tag=f"wake-{time.time_ns()}")
    return head
