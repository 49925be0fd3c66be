"""No accepted event is lost, and none is retried forever: retries, the sweep, dead letters.

An event's job is queued with ``EVENT_ATTEMPTS`` attempts and exponential
backoff (``enqueue_event``). When nothing fails nothing here writes: the
queue's own job record (SAQ counts each start of a job, so a worker killed
mid-job uses up an attempt too) is the only bookkeeping on the hot path.

- A failed attempt is written on the event (``record_failure``: attempts and
  the error in plain words); after the last one the event is dead (``dead_at``).
- The sweep (``requeue_stranded``, every minute) reads only the events still
  waiting (the partial index ``ix_inbound_event_waiting``: never processed or
  dead rows) and asks the queue about their jobs in one round trip per batch.
  An event whose job is queued, scheduled for a retry or running is left alone;
  one whose job ended without processing it (its worker was killed on every
  attempt, or it timed out) is dead; one with no job at all (never queued, or
  lost with Redis's data) is queued again, counting an attempt, and is dead once
  those run out. So no event loops, and a poison one is dead within its
  attempts instead of filling the sweep's batches.
- The super admin sees dead events (``list_dead_events``) and retries
  (``retry_event``) or discards (``discard_event``) each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from b2a.audit import service as audit
from b2a.db.columns import json_value
from b2a.errors import B2AError, Conflict, NotFound
from b2a.inbox.service import task_for
from b2a.inbox.tables import InboundEvent
from b2a.lib import clock, queue
from b2a.lib.queue import JobState
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role
from b2a.tenants.scope import TenantScope

EVENT_ATTEMPTS = 5
"""Attempts an event gets (failed, timed out or killed mid-job) before it is dead."""
RETRY_DELAY_SECONDS = 10.0
"""The first retry waits up to this long; each next one up to twice as long."""
RETRY_DELAY_MAX_SECONDS = 600.0
SWEEP_BATCH = 500
STUCK_AFTER = timedelta(seconds=30)
"""How long an event may wait with no job before the sweep queues it again."""

_URL = re.compile(r"(https?://[^\s?#]+)[?#]\S*")
_TOKEN = re.compile(r"[A-Za-z0-9_\-]{32,}")


def job_key(task: str, event_id: UUID) -> str:
    """The one job key of an event's processing (so it is queued at most once at a time)."""
    return f"{task}:{event_id}"


async def enqueue_event(task: str, tenant_id: UUID, event_id: UUID) -> bool:
    """Queue the processing of an accepted event, with its attempts and backoff."""
    return await queue.enqueue(
        task,
        key=job_key(task, event_id),
        retries=EVENT_ATTEMPTS,
        retry_delay=RETRY_DELAY_SECONDS,
        retry_backoff=RETRY_DELAY_MAX_SECONDS,
        tenant_id=str(tenant_id),
        event_id=str(event_id),
    )


def plain_error(error: BaseException) -> str:
    """An error for the operator: b2a's own words, or the error's kind and message.

    Query strings and long tokens are cut out: a media link or an access token
    in an HTTP error must not end up in the admin panel.
    """
    words = error.message if isinstance(error, B2AError) else f"{type(error).__name__}: {error}"
    return _clean(words) or type(error).__name__


def _clean(words: str) -> str:
    """Words without links' query strings or long tokens, cut to the column's 500 characters."""
    return _TOKEN.sub("…", _URL.sub(r"\1", words)).strip()[:500]


async def record_failure(
    scope: TenantScope, event_id: UUID, error: BaseException, *, attempt: int, last: bool
) -> bool:
    """Write a failed attempt on the event; whether to retry it no more (dead, or gone).

    ``attempt`` is the queue's count for this job (it includes attempts whose
    worker was killed before it could write anything); ``last`` says the queue
    has no attempt left for the job.
    """
    event = await scope.objects(InboundEvent).where(InboundEvent.id == event_id).first()
    if event is None or event.dead_at is not None:
        # Gone, or dead already: a second run of the last attempt (the queue took the job
        # again) neither counts once more nor brings the event back.
        return True
    attempts = max(event.attempts + 1, attempt)
    dead = last or attempts >= EVENT_ATTEMPTS
    values: dict[Any, Any] = {
        InboundEvent.attempts: attempts,
        InboundEvent.last_error: plain_error(error),
        InboundEvent.dead_at: clock.now() if dead else None,
    }
    await scope.update(InboundEvent, values).where(InboundEvent.id == event_id)
    return dead


@dataclass(frozen=True)
class SweepResult:
    """What one sweep did: events queued again, and events given up on."""

    requeued: int
    dead: int


@dataclass(frozen=True)
class _Waiting:
    id: UUID
    tenant: UUID
    task: str
    attempts: int
    created_at: datetime


async def requeue_stranded(*, older_than: timedelta = STUCK_AFTER) -> SweepResult:
    """Queue again every waiting event that no job will process; bury those out of attempts.

    Reads the waiting events oldest first, a batch at a time, through the
    partial index of waiting events, so dead and processed rows cost nothing
    and events whose retry is scheduled do not hide the stranded ones behind them.
    """
    cutoff = clock.now() - older_than
    requeued = dead = 0
    after: _Waiting | None = None
    while batch := await _waiting(cutoff, after):
        states = await queue.job_states([job_key(e.task, e.id) for e in batch])
        for event, state in zip(batch, states, strict=True):
            if state is not None and state.live:
                continue
            done = await _requeue_or_bury(event, state)
            requeued += done == "requeued"
            dead += done == "dead"
        after = batch[-1]
    return SweepResult(requeued, dead)


async def _waiting(cutoff: datetime, after: _Waiting | None) -> list[_Waiting]:
    """One batch of events neither processed nor dead, accepted before ``cutoff``."""
    rows = await waiting_query(cutoff, after)
    return [
        _Waiting(r["id"], r["tenant"], task_for(r["dedupe_key"]), r["attempts"], r["created_at"])
        for r in rows
    ]


def waiting_query(cutoff: datetime, after: _Waiting | None = None) -> Any:
    """The sweep's query: its conditions match the partial index ix_inbound_event_waiting.

    Its plan on PostgreSQL is checked by a test, so the sweep never scans the
    processed and dead rows, however many there are.
    """
    query = InboundEvent.select(
        InboundEvent.id,
        InboundEvent.tenant,
        InboundEvent.dedupe_key,
        InboundEvent.attempts,
        InboundEvent.created_at,
    ).where(
        InboundEvent.processed_at.is_null(),
        InboundEvent.dead_at.is_null(),
        InboundEvent.created_at < cutoff,
    )
    if after is not None:
        query = query.where(
            InboundEvent.created_at >= after.created_at,
            (InboundEvent.created_at > after.created_at) | (InboundEvent.id > after.id),
        )
    return query.order_by(InboundEvent.created_at, InboundEvent.id).limit(SWEEP_BATCH)


async def _requeue_or_bury(event: _Waiting, state: JobState | None) -> str:
    """Queue a stranded event again, or mark it dead when its attempts are spent; which.

    An event processed meanwhile (its job finished between the read and now) is
    left alone ("").
    """
    if state is None:
        attempts = event.attempts + 1
        error = "its job was lost (never queued, or Redis lost its data); queued again"
    else:
        attempts = max(event.attempts, state.attempts)
        error = _ended_words(state)
    dead = state is not None or attempts >= EVENT_ATTEMPTS
    values: dict[Any, Any] = {
        InboundEvent.attempts: attempts,
        InboundEvent.last_error: error if state is not None or not dead else _out_of_attempts(),
        InboundEvent.dead_at: clock.now() if dead else None,
    }
    changed = (
        await InboundEvent.update(values)
        .where(
            (InboundEvent.id == event.id)
            & InboundEvent.processed_at.is_null()
            & InboundEvent.dead_at.is_null()
        )
        .returning(InboundEvent.id)
    )
    if not changed:
        return ""
    if dead:
        return "dead"
    await enqueue_event(event.task, event.tenant, event.id)
    return "requeued"


def _ended_words(state: JobState) -> str:
    """Why a job ended without processing its event, in plain words."""
    if state.status == "aborted":
        return (
            f"the worker stopped while processing this event on each of its {state.attempts} "
            "attempts (killed, out of memory or restarted)"
        )
    last_line = next((line for line in reversed(state.error.splitlines()) if line.strip()), "")
    if state.status == "failed":
        return _clean(
            f"its job failed on the last of its {state.attempts} attempts, outside b2a's "
            f"handling (timed out, or the database was unreachable): {last_line.strip()}"
        )
    return "its job finished without processing the event"


def _out_of_attempts() -> str:
    return f"its job was lost {EVENT_ATTEMPTS} times; given up"


@dataclass(frozen=True)
class DeadEvent:
    """One dead letter as the operator sees it."""

    id: UUID
    tenant_id: UUID
    kind: str
    created_at: datetime
    dead_at: datetime
    attempts: int
    last_error: str
    summary: str


_KINDS = {"process_inbound": "message", "apply_status": "status", "apply_update": "update"}


async def list_dead_events(actor: Actor, *, limit: int = 200) -> list[DeadEvent]:
    """The dead events of every tenant, newest first (super admins only).

    Raises:
        Forbidden: the actor is not a super admin.
    """
    actor.require(Role.SUPER_ADMIN)
    rows = await (
        _dead()
        .order_by(InboundEvent.dead_at, ascending=False)
        .order_by(InboundEvent.id, ascending=False)
        .limit(limit)
    )
    return [_dead_out(row) for row in rows]


def _dead() -> Any:
    return InboundEvent.select(
        InboundEvent.id,
        InboundEvent.tenant,
        InboundEvent.dedupe_key,
        InboundEvent.payload,
        InboundEvent.created_at,
        InboundEvent.dead_at,
        InboundEvent.attempts,
        InboundEvent.last_error,
    ).where(InboundEvent.dead_at.is_not_null(), InboundEvent.outcome != "discarded")


def _dead_out(row: dict[str, Any]) -> DeadEvent:
    task = task_for(row["dedupe_key"])
    return DeadEvent(
        id=row["id"],
        tenant_id=row["tenant"],
        kind=_KINDS[task],
        created_at=row["created_at"],
        dead_at=row["dead_at"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        summary=summarise(task, dict(json_value(row["payload"]))),
    )


def summarise(task: str, payload: dict[str, Any]) -> str:
    """A line saying what an event was about, without a customer's message text."""
    if task == "apply_status":
        return f"status {payload.get('status', '?')} for {payload.get('wamid', '?')}"
    if task == "apply_update":
        return f"{payload.get('field', '?')} change for account {payload.get('waba_id', '?')}"
    return f"{payload.get('kind', 'message')} message {payload.get('wa_message_id', '?')}"


@dataclass(frozen=True)
class DeadCount:
    """How many events are dead and since when (for ``b2a doctor``)."""

    count: int
    oldest: datetime | None


async def count_dead_events() -> DeadCount:
    """Dead events not yet retried or discarded, across tenants."""
    where = (InboundEvent.dead_at.is_not_null(), InboundEvent.outcome != "discarded")
    return await _count(InboundEvent.dead_at, where)


async def count_stuck_events(*, older_than: timedelta) -> DeadCount:
    """Events neither processed nor dead, accepted more than ``older_than`` ago."""
    where = (
        InboundEvent.processed_at.is_null(),
        InboundEvent.dead_at.is_null(),
        InboundEvent.created_at < clock.now() - older_than,
    )
    return await _count(InboundEvent.created_at, where)


async def _count(when: Any, where: tuple[Any, ...]) -> DeadCount:
    count = await InboundEvent.count().where(*where)
    oldest = await InboundEvent.select(when).where(*where).order_by(when).first()
    return DeadCount(count, oldest[when._meta.name] if oldest else None)


async def retry_event(actor: Actor, event_id: UUID) -> None:
    """Give a dead event its attempts again and queue it (super admins only; audited).

    Raises:
        Forbidden: the actor is not a super admin.
        NotFound: no such event.
        Conflict: the event is not dead (already retried or discarded), or the queue
            still holds its last job for a few seconds (try again).
    """
    event = await _dead_event(actor, event_id)
    await InboundEvent.update({InboundEvent.attempts: 0, InboundEvent.dead_at: None}).where(
        InboundEvent.id == event_id
    )
    if not await enqueue_event(task_for(event.dedupe_key), event.tenant, event_id):
        await InboundEvent.update(
            {InboundEvent.attempts: event.attempts, InboundEvent.dead_at: event.dead_at}
        ).where(InboundEvent.id == event_id)
        raise Conflict("the queue still holds this event's last job; retry it again in a minute.")
    await audit.record(actor, "inbox.event_retried", tenant_id=event.tenant, event_id=str(event_id))


async def discard_event(actor: Actor, event_id: UUID) -> None:
    """Give up on a dead event for good: processed, outcome "discarded" (audited).

    Raises:
        Forbidden: the actor is not a super admin.
        NotFound: no such event.
        Conflict: the event is not dead (already retried or discarded).
    """
    event = await _dead_event(actor, event_id)
    values: dict[Any, Any] = {
        InboundEvent.processed_at: event.processed_at or clock.now(),
        InboundEvent.outcome: "discarded",
    }
    await InboundEvent.update(values).where(InboundEvent.id == event_id)
    await audit.record(
        actor, "inbox.event_discarded", tenant_id=event.tenant, event_id=str(event_id)
    )


async def _dead_event(actor: Actor, event_id: UUID) -> InboundEvent:
    actor.require(Role.SUPER_ADMIN)
    event = await InboundEvent.objects().where(InboundEvent.id == event_id).first()
    if event is None:
        raise NotFound("no such event.")
    if event.dead_at is None or event.outcome == "discarded":
        raise Conflict("this event is not a dead letter any more (retried or discarded already).")
    return event
