"""Jobs that send messages: one ``send_message`` per outbound message, and two minute crons."""

from __future__ import annotations

import logging
import time
from typing import Any
from uuid import UUID

from b2a.lib import clock, events
from b2a.lib.outage import unreachable
from b2a.outbox import schedule
from b2a.outbox.delivery import Step, deliver
from b2a.outbox.queueing import enqueue_send
from b2a.outbox.sweep import stranded_after, stranded_sends
from b2a.outbox.transports import Transports
from b2a.settings import Settings
from b2a.tenants.scope import TenantScope

log = logging.getLogger("b2a.worker")

# While PostgreSQL or Redis is unreachable a send waits 1 s, then 2, 4, … at most 30 s.
FIRST_WAIT = 1.0
LONGEST_WAIT = 30.0


async def send_message(
    ctx: dict[str, Any], *, tenant_id: str, message_id: str, waited: int = 0
) -> dict[str, Any]:
    """Send one message; reschedule it when pacing says wait or a transient error may pass.

    A message behind others of its conversation is not rescheduled: the job that
    sends (or buries) the one before it wakes it (``b2a.outbox.ordering``).

    A send that fails only because PostgreSQL or Redis is unreachable spends no
    attempt: a new job (``waited`` times so far) tries again after a wait that
    doubles from 1 s to 30 s, for as long as the outage lasts. The claim in
    ``deliver`` still sends it at most once: a send cut off after its claim is
    found SENDING by the next job. With Redis down the new job cannot be queued;
    this one then fails as any job does, and the stranded-send sweep takes it back.
    """
    settings: Settings = ctx["settings"]
    try:
        outcome = await deliver(
            TenantScope(UUID(tenant_id)),
            UUID(message_id),
            transports=Transports(settings, ctx["http"], ctx["redis"]),
            redis=ctx["redis"],
            pacing=settings.sending,
            media_root=settings.core.media_root,
            holder=ctx["job"].key,
            retry=ctx["job"].attempts > 1,
        )
    except Exception as exc:
        code = unreachable(exc)
        if code is None:
            raise
        wait = min(FIRST_WAIT * 2**waited, LONGEST_WAIT)
        log.warning("send %s waits %.0f s: %s (%s)", message_id, wait, code, exc)
        await enqueue_send(
            UUID(tenant_id),
            UUID(message_id),
            delay=wait,
            tag=f"wait-{time.time_ns()}",
            waited=waited + 1,
        )
        return {"step": "WAIT", "state": "", "delay": wait, "reason": code}
    if outcome.step in (Step.LATER, Step.RETRY):
        # A fresh key: this job still holds the message's current one.
        await enqueue_send(
            UUID(tenant_id),
            UUID(message_id),
            delay=outcome.delay,
            tag=f"{outcome.step.lower()}-{time.time_ns()}",
        )
    await events.publish(
        ctx["redis"],
        tenant_id,
        "message.status",
        message_id=message_id,
        state=outcome.state,
        reason=outcome.reason,
    )
    return {"step": outcome.step, "state": outcome.state, "delay": outcome.delay}


async def dispatch_scheduled(ctx: dict[str, Any]) -> dict[str, int]:
    """Queue every scheduled message whose time has come."""
    queued = 0
    for due in await schedule.due_schedules(clock.now()):
        if await schedule.dispatch(TenantScope(due.tenant_id), due.schedule_id):
            queued += 1
    return {"queued": queued}


async def requeue_stranded_sends(ctx: dict[str, Any]) -> dict[str, int]:
    """Give a new send job to messages whose job was lost (see ``b2a.outbox.sweep``)."""
    settings: Settings = ctx["settings"]
    stranded = await stranded_sends(older_than=stranded_after(settings.sending))
    for send in stranded:
        # Keyed by the moment it stalled: sweeping again before that job runs adds nothing.
        await enqueue_send(send.tenant_id, send.message_id, tag=f"sweep-{send.since.timestamp()}")
    return {"requeued": len(stranded)}
