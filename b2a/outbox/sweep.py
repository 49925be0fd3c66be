"""Finding outbound messages whose send job vanished.

A QUEUED or SENDING message always has a send job on its way, and every run of
that job touches the message (a send, a retry, or a pacing wait). A message
untouched for much longer than any wait the job schedules therefore lost its
job: Redis lost it, or the process died between storing the message and
enqueueing its send. The sweep enqueues a new one; ``deliver`` decides from the
message's state whether sending again is safe.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from b2a.inbox.rules import DeliveryState, Direction
from b2a.inbox.tables import Message
from b2a.lib import clock
from b2a.settings import SendingSettings

# Never call a message stranded sooner than this, whatever the settings allow.
AT_LEAST = timedelta(minutes=5)


def stranded_after(pacing: SendingSettings) -> timedelta:
    """Twice the longest wait a live send job can schedule, and at least five minutes."""
    longest_retry = pacing.retry_delay_seconds * 4 ** max(0, pacing.attempts - 2)
    longest = max(pacing.customer_window_seconds, longest_retry, 1)
    return max(AT_LEAST, timedelta(seconds=2 * longest))


@dataclass(frozen=True)
class StrandedSend:
    """A message that waits to be sent with no job working on it."""

    tenant_id: UUID
    message_id: UUID
    since: datetime


async def stranded_sends(*, older_than: timedelta, limit: int = 500) -> list[StrandedSend]:
    """QUEUED or SENDING outbound messages untouched for ``older_than``, across tenants."""
    cutoff = clock.now() - older_than
    rows = (
        await Message.select(Message.id, Message.tenant, Message.state_changed_at)
        .where(
            Message.state.is_in([DeliveryState.QUEUED, DeliveryState.SENDING])
            & (Message.direction == Direction.OUTBOUND)
            & (Message.state_changed_at < cutoff)
        )
        .order_by(Message.state_changed_at)
        .limit(limit)
        .run()
    )
    return [StrandedSend(row["tenant"], row["id"], row["state_changed_at"]) for row in rows]


async def count_stuck_sends(*, older_than: timedelta) -> tuple[int, datetime | None]:
    """How many outbound messages wait QUEUED or SENDING untouched, and the oldest's time."""
    cutoff = clock.now() - older_than
    where = (
        Message.state.is_in([DeliveryState.QUEUED, DeliveryState.SENDING])
        & (Message.direction == Direction.OUTBOUND)
        & (Message.state_changed_at < cutoff)
    )
    count = await Message.count().where(where)
    oldest = (
        await Message.select(Message.state_changed_at)
        .where(where)
        .order_by(Message.state_changed_at)
        .first()
    )
    return count, oldest["state_changed_at"] if oldest else None
