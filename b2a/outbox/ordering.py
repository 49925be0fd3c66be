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
from typing import Any
from uuid import UUID, uuid4

from b2a.db.sql import Statement
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


@contextlib.asynccontextmanager
async def turn(redis: Any, tenant_id: UUID, conversation_id: UUID) -> AsyncIterator[bool]:
    """Take the conversation's turn if no other job holds it; yields whether it was taken."""
    key = f"{PREFIX}sending:{tenant_id}:{conversation_id}"
    token = uuid4().hex
    mine = bool(await redis.set(key, token, nx=True, ex=TURN_SECONDS))
    try:
        yield mine
    finally:
        if mine:
            await redis.register_script(_RELEASE)(keys=[key], args=[token])


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
