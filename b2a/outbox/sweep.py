"""Finding outbound messages whose send job vanished.

The head of a conversation's queue (its first QUEUED or SENDING outbound
message, ``b2a.outbox.ordering``) always has a send job on its way, and every
run of that job touches the message (a send, a retry, or a pacing wait), as
does the wake-up that makes it the head. A head untouched for much longer than
any wait the job schedules therefore lost its job: Redis lost it, the process
died between storing the message and enqueueing its send, or between sending
the one before and waking it. The sweep enqueues a new one; ``deliver`` decides
from the message's state whether sending again is safe. Messages behind a head
have no job of their own to lose: they wait for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from b2a.db import sql
from b2a.db.sql import Statement
from b2a.lib import clock
from b2a.outbox.ordering import waiting_sql
from b2a.settings import SendingSettings

# Never call a message stranded sooner than this, whatever the settings allow.
AT_LEAST = timedelta(minutes=5)


def stranded_after(pacing: SendingSettings) -> timedelta:
    """Twice the longest wait a live send job can schedule, and at least five minutes."""
    longest_retry = pacing.retry_delay_seconds * 4 ** max(0, pacing.attempts - 2)
    longest = max(pacing.customer_window_seconds, longest_retry, 1)
    return max(AT_LEAST, timedelta(seconds=2 * longest))


# A waiting outbound message that heads its conversation's queue (``b2a.outbox.ordering``):
# the ones behind it wait for it, not for a job of their own.
_HEAD = f"""{waiting_sql("m")}
    AND NOT EXISTS (SELECT 1 FROM message e
        WHERE e.conversation = m.conversation AND {waiting_sql("e")}
            AND (e.created_at < m.created_at OR (e.created_at = m.created_at AND e.id < m.id)))"""
_STRANDED = Statement(
    f"""SELECT m.id, m.tenant, m.state_changed_at FROM message m
    WHERE m.state_changed_at < :cutoff AND {_HEAD}
    ORDER BY m.state_changed_at LIMIT :limit"""
)
_STUCK = Statement(
    f"""SELECT COUNT(*) AS stuck FROM message m WHERE m.state_changed_at < :cutoff AND {_HEAD}"""
)


@dataclass(frozen=True)
class StrandedSend:
    """A message that waits to be sent with no job working on it."""

    tenant_id: UUID
    message_id: UUID
    since: datetime


async def stranded_sends(*, older_than: timedelta, limit: int = 500) -> list[StrandedSend]:
    """Heads of conversations' queues untouched for ``older_than``, across tenants."""
    rows = await sql.fetch(_STRANDED, cutoff=clock.now() - older_than, limit=limit)
    return [StrandedSend(row["tenant"], row["id"], row["state_changed_at"]) for row in rows]


async def count_stuck_sends(*, older_than: timedelta) -> tuple[int, datetime | None]:
    """How many conversations' queues have a head untouched that long, and the oldest's time.

    Messages behind a head wait for it; a stuck head is one stuck conversation.
    """
    cutoff = clock.now() - older_than
    row = await sql.fetchrow(_STUCK, cutoff=cutoff)
    oldest = await sql.fetchrow(_STRANDED, cutoff=cutoff, limit=1)
    return (int(row["stuck"]) if row else 0), (oldest["state_changed_at"] if oldest else None)
