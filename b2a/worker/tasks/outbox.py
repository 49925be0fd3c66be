"""Sending: ``send_message`` jobs, the reply step's sends without a job, two minute crons.

The reply step's sends (``send_now``) that the worker's jobs make at once go
out together through the process's ``Batcher`` (``ctx["sends"]``,
``delivery.deliver_batch``); when a batch fails, each job sends its own alone.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any
from uuid import UUID

import httpx

from b2a.lib import clock
from b2a.lib.batcher import Batcher, BatchFailed
from b2a.lib.outage import REDIS, unreachable
from b2a.outbox import schedule
from b2a.outbox.delivery import Delivered, Outcome, Step, deliver, deliver_batch
from b2a.outbox.queueing import enqueue_send
from b2a.outbox.sweep import stranded_after, stranded_sends
from b2a.outbox.transports import Transports
from b2a.settings import Settings
from b2a.tenants.scope import TenantScope
from b2a.worker.live import announce

log = logging.getLogger("b2a.worker")

# While PostgreSQL or Redis is unreachable a send waits 1 s, then 2, 4, … at most 30 s.
FIRST_WAIT = 1.0
LONGEST_WAIT = 30.0
REDIS_BACK_WITHIN = 10.0
"""How long ``send_now`` keeps trying while Redis is unreachable before its job fails."""


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
    try:
        outcome = await _deliver(ctx, tenant_id, message_id)
    except Exception as exc:
        code = unreachable(exc)
        if code is None:
            raise
        return await _wait_out(tenant_id, message_id, waited, code, exc)
    return await _follow(ctx, tenant_id, message_id, outcome)


async def send_now(ctx: dict[str, Any], tenant_id: str, message_id: str) -> dict[str, Any]:
    """Send a message from the job that stored it, with no send job unless it must wait.

    The reply step's replies go this way: a send job is queued only to come back
    later (pacing, a transient failure's retry, an outage) or when the send
    raised (its first job then finds the message QUEUED, or SENDING if the error
    came after the claim, and ``deliver`` decides).

    While Redis is unreachable (a Sentinel failover takes a few seconds) neither
    the send nor that job can go: the job tries the whole send again each second
    for ``REDIS_BACK_WITHIN`` seconds rather than hand the reply to the queue's
    retry of the job, which a failover can lose with the job's own record. After
    that the error is raised, never only logged: the storing job fails and the
    queue retries it, and the retry finds the reply unsent and gives it its job
    (``resume_unsent``). A worker killed mid-send leaves the message SENDING,
    and the storing job's retry queues its job the same way.
    """
    deadline = time.monotonic() + REDIS_BACK_WITHIN
    while True:
        try:
            return await _send_once(ctx, tenant_id, message_id)
        except Exception as exc:
            if unreachable(exc) != REDIS or time.monotonic() > deadline:
                raise
            log.warning(
                "send %s: Redis unreachable, again in %.0f s (%s)", message_id, FIRST_WAIT, exc
            )
            await asyncio.sleep(FIRST_WAIT)


async def _send_once(ctx: dict[str, Any], tenant_id: str, message_id: str) -> dict[str, Any]:
    """One try of ``send_now``: it raises when a job it needs or its live event cannot go."""
    try:
        outcome = await _deliver_batched(ctx, tenant_id, message_id)
    except Exception as exc:
        code = unreachable(exc)
        if code is not None:
            return await _wait_out(tenant_id, message_id, 0, code, exc)
        log.exception("send %s failed; its send job takes it over", message_id)
        await enqueue_send(UUID(tenant_id), UUID(message_id))
        return {"step": Step.RETRY, "state": "", "delay": 0.0, "reason": type(exc).__name__}
    return await _follow(ctx, tenant_id, message_id, outcome)


def send_batcher(
    settings: Settings, http: httpx.AsyncClient, redis: Any
) -> Batcher[tuple[UUID, UUID], Delivered]:
    """The worker's coalescer of ``send_now`` sends: the sends its jobs make at once together.

    Like the storing and reply step coalescers: a batch leaves
    ``batch_wait_ms`` after its first send, or sooner when full
    (``delivery.deliver_batch``).
    """
    transports = Transports(settings, http, redis)

    async def run(items: list[tuple[UUID, UUID]]) -> dict[tuple[UUID, UUID], Delivered]:
        return await deliver_batch(
            items,
            transports=transports,
            redis=redis,
            pacing=settings.sending,
            media_root=settings.core.media_root,
        )

    return Batcher(
        run,
        size=settings.worker.concurrency,
        wait=settings.worker.batch_wait_ms / 1000,
        name="outbox.send_batch",
    )


async def _deliver_batched(ctx: dict[str, Any], tenant_id: str, message_id: str) -> Outcome:
    """The send, in a batch with the others being sent now, or alone if their batch failed."""
    batcher = ctx.get("sends")
    if batcher is not None:
        try:
            delivered: Delivered = await batcher.submit((UUID(tenant_id), UUID(message_id)))
        except BatchFailed:
            pass
        else:
            if isinstance(delivered, Exception):  # this message's own error, as alone
                raise delivered
            return delivered
    return await _deliver(ctx, tenant_id, message_id)


async def _deliver(ctx: dict[str, Any], tenant_id: str, message_id: str) -> Outcome:
    settings: Settings = ctx["settings"]
    return await deliver(
        TenantScope(UUID(tenant_id)),
        UUID(message_id),
        transports=Transports(settings, ctx["http"], ctx["redis"]),
        redis=ctx["redis"],
        pacing=settings.sending,
        media_root=settings.core.media_root,
    )


async def _wait_out(
    tenant_id: str, message_id: str, waited: int, code: str, exc: Exception
) -> dict[str, Any]:
    """PostgreSQL or Redis is unreachable: a new job tries again later, spending no attempt."""
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


async def _follow(
    ctx: dict[str, Any], tenant_id: str, message_id: str, outcome: Outcome
) -> dict[str, Any]:
    """Come back when pacing or a retry says so, and tell the tenant's pages the new state."""
    if outcome.step in (Step.LATER, Step.RETRY):
        # A fresh key: this job (or the send's first job) may still hold the current one.
        await enqueue_send(
            UUID(tenant_id),
            UUID(message_id),
            delay=outcome.delay,
            tag=f"{outcome.step.lower()}-{time.time_ns()}",
        )
    await announce(
        ctx,
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
