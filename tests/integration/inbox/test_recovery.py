"""No event retried forever: failures are retried with backoff, then dead; the sweep finds
only stranded events, however many dead ones lie before them."""

import json
from datetime import timedelta

import pytest
from saq import Status

from b2a.inbox import recovery
from b2a.inbox import service as inbox
from b2a.inbox.recovery import EVENT_ATTEMPTS, SweepResult
from b2a.inbox.rules import Transport
from b2a.inbox.tables import Channel, InboundEvent
from b2a.lib import clock
from b2a.lib import queue as job_queue
from b2a.tenants.actor import Actor
from b2a.tenants.scope import TenantScope
from b2a.whatsapp.inbound import Identity, InboundMessage
from tests.pipeline import eventually, installed_queue, running_worker

OPERATOR = Actor.operator("tests")


@pytest.fixture
def settings(make_settings, db, tmp_path):
    return make_settings(B2A_DB_URL=db.url, B2A_HOME=str(tmp_path))


@pytest.fixture
async def scope(cast):
    return TenantScope(cast.acme_owner.tenant_id)


@pytest.fixture
async def channel(scope):
    channel = scope.new(Channel, transport=Transport.SANDBOX)
    await channel.save()
    return channel.id


def _message(wamid):
    phone = "923001234567"
    identities = [Identity("wa_id", phone), Identity("phone", phone)]
    return InboundMessage(wamid, identities, phone, "Ayesha", "text", "hi", clock.now())


async def _poison(scope, channel):
    """A message event whose stored payload this b2a cannot read: its time is not a time."""
    payload = {**_message("wamid.POISON").to_json(), "sent_at": "yesterday-ish"}
    event = scope.new(
        InboundEvent,
        channel=channel,
        source=Transport.SANDBOX,
        dedupe_key="msg:wamid.POISON",
        payload=json.dumps(payload),
    )
    await event.save()
    return event.id


async def _event(scope, event_id):
    return await scope.get(InboundEvent, event_id)


async def test_a_failed_attempt_is_written_and_retried_later_with_backoff(
    scope, channel, settings, redis
):
    poison = await _poison(scope, channel)
    async with running_worker(settings) as worker:
        await recovery.enqueue_event("process_inbound", scope.tenant_id, poison)
        await eventually(lambda: _failed_once(scope, poison))
    job = await worker.queue.job(f"process_inbound:{poison}")
    event = await _event(scope, poison)
    assert event.processed_at is None and event.dead_at is None
    assert "ValueError" in event.last_error and "yesterday-ish" in event.last_error
    assert job.status == Status.QUEUED, "a retry is scheduled"
    assert (job.retries, job.retry_delay) == (EVENT_ATTEMPTS, recovery.RETRY_DELAY_SECONDS)
    async with installed_queue(settings):
        swept = await recovery.requeue_stranded(older_than=timedelta(0))
    assert swept == SweepResult(0, 0), "an event with a retry scheduled is not stranded"


async def _failed_once(scope, event_id):
    return (await _event(scope, event_id)).attempts >= 1


async def test_a_poison_event_is_dead_after_its_attempts_with_its_error(
    scope, channel, settings, redis
):
    poison = await _poison(scope, channel)
    async with running_worker(settings) as worker:
        # The retries come due at once here: only the delay differs from enqueue_event.
        await job_queue.enqueue(
            "process_inbound",
            key=f"process_inbound:{poison}",
            retries=EVENT_ATTEMPTS,
            tenant_id=str(scope.tenant_id),
            event_id=str(poison),
        )
        await eventually(lambda: _dead(scope, poison), timeout=60)
        job = await worker.queue.job(f"process_inbound:{poison}")
    event = await _event(scope, poison)
    assert event.attempts == EVENT_ATTEMPTS and event.processed_at is None
    assert "yesterday-ish" in event.last_error
    assert job.status == Status.COMPLETE and job.attempts == EVENT_ATTEMPTS, "no retry after"
    async with installed_queue(settings):
        assert await recovery.requeue_stranded(older_than=timedelta(0)) == SweepResult(0, 0)
    [dead] = await recovery.list_dead_events(OPERATOR)
    assert (dead.id, dead.kind, dead.attempts) == (poison, "message", EVENT_ATTEMPTS)
    assert dead.summary == "text message wamid.POISON"


async def _dead(scope, event_id):
    return (await _event(scope, event_id)).dead_at is not None


async def test_a_job_whose_worker_died_on_every_attempt_makes_its_event_dead(
    scope, channel, settings, redis
):
    event_id = await inbox.accept_inbound(
        scope, channel, Transport.SANDBOX, _message("wamid.KILLER")
    )
    async with installed_queue(settings) as queue:
        await recovery.enqueue_event("process_inbound", scope.tenant_id, event_id)
        # A worker took the job for its last attempt and was killed (SIGKILL, out of
        # memory): the job stays active, and SAQ's sweep, finding it stuck, aborts it.
        job = await queue.dequeue()
        job.attempts, job.started = EVENT_ATTEMPTS, 1
        await job.update(status=Status.ACTIVE)
        assert await queue.sweep() == [job.id]
        assert (await queue.job(job.key)).status == Status.ABORTED
        assert await recovery.requeue_stranded(older_than=timedelta(0)) == SweepResult(0, 1)
    event = await _event(scope, event_id)
    assert event.dead_at is not None and event.attempts == EVENT_ATTEMPTS
    assert "worker stopped while processing this event" in event.last_error


async def test_the_sweep_finds_a_stranded_event_behind_a_thousand_dead_ones(
    scope, channel, settings, redis
):
    long_ago = clock.now() - timedelta(hours=2)
    dead = [
        scope.new(
            InboundEvent,
            channel=channel,
            source=Transport.SANDBOX,
            dedupe_key=f"msg:wamid.dead{n}",
            created_at=long_ago + timedelta(seconds=n),
            attempts=EVENT_ATTEMPTS,
            last_error="ValueError: no",
            dead_at=long_ago,
        )
        for n in range(1000)
    ]
    await InboundEvent.insert(*dead)
    stranded = await inbox.accept_inbound(scope, channel, Transport.SANDBOX, _message("wamid.S"))
    retrying = await inbox.accept_inbound(scope, channel, Transport.SANDBOX, _message("wamid.R"))
    await scope.update(InboundEvent, {InboundEvent.created_at: long_ago}).where(
        InboundEvent.id.is_in([stranded, retrying])
    )
    async with installed_queue(settings) as queue:
        await recovery.enqueue_event("process_inbound", scope.tenant_id, retrying)
        assert await recovery.requeue_stranded() == SweepResult(requeued=1, dead=0)
        job = await queue.job(f"process_inbound:{stranded}")
    assert job.status == Status.QUEUED and job.retries == EVENT_ATTEMPTS
    assert (await _event(scope, retrying)).attempts == 0, "a live job is left alone"
    assert await recovery.count_dead_events() == recovery.DeadCount(1000, long_ago)


async def test_the_sweep_reads_the_partial_index_of_waiting_events(scope, channel, db):
    if db.kind != "postgres":
        pytest.skip("the plan checked is PostgreSQL's")
    old = clock.now() - timedelta(hours=1)
    rows = [
        scope.new(
            InboundEvent,
            channel=channel,
            source=Transport.SANDBOX,
            dedupe_key=f"msg:wamid.{n}",
            created_at=old,
            processed_at=old if n % 2 else None,
            dead_at=None if n % 2 else old,
        )
        for n in range(2000)
    ]
    await InboundEvent.insert(*rows)
    await InboundEvent.raw("ANALYZE inbound_event")
    first = recovery.waiting_query(clock.now())
    [last] = await InboundEvent.select(InboundEvent.id, InboundEvent.created_at).limit(1)
    after = recovery._Waiting(last["id"], scope.tenant_id, "", 0, last["created_at"])
    for query in (first, recovery.waiting_query(clock.now(), after)):
        plan = "\n".join(r["QUERY PLAN"] for r in await InboundEvent.raw(f"EXPLAIN {query}"))
        assert "ix_inbound_event_waiting" in plan, plan


async def test_the_operator_retries_or_discards_a_dead_event(scope, channel, settings, redis):
    first, second = await _poison(scope, channel), await _poison_status(scope, channel)
    await InboundEvent.update(
        {InboundEvent.dead_at: clock.now(), InboundEvent.attempts: EVENT_ATTEMPTS}
    ).where(InboundEvent.id.is_in([first, second]))
    async with installed_queue(settings) as queue:
        await recovery.retry_event(OPERATOR, first)
        job = await queue.job(f"process_inbound:{first}")
    assert job.status == Status.QUEUED
    retried = await _event(scope, first)
    assert (retried.attempts, retried.dead_at) == (0, None)
    await recovery.discard_event(OPERATOR, second)
    discarded = await _event(scope, second)
    assert discarded.outcome == "discarded" and discarded.processed_at is not None
    assert await recovery.list_dead_events(OPERATOR) == []
    assert await recovery.count_dead_events() == recovery.DeadCount(0, None)


async def _poison_status(scope, channel):
    event = scope.new(
        InboundEvent,
        channel=channel,
        source=Transport.CLOUD,
        dedupe_key="status:wamid.X:read",
        payload=json.dumps({"status": "read"}),
    )
    await event.save()
    return event.id


async def test_an_event_whose_job_a_dying_sweep_left_aborting_is_queued_again(
    scope, channel, settings, redis
):
    event_id = await inbox.accept_inbound(scope, channel, Transport.SANDBOX, _message("wamid.HALF"))
    async with installed_queue(settings) as queue:
        await recovery.enqueue_event("process_inbound", scope.tenant_id, event_id)
        # A worker took the job and was killed; the next worker's sweep marked it aborting
        # (SAQ's first step) and was killed too, before queuing it again.
        job = await queue.dequeue()
        job.touched = job.queued - 1000 * (job_queue.ABANDONED_AFTER_SECONDS + 1)
        await queue.abort(job, error="swept")
        assert (await queue.job(job.key)).status == Status.ABORTING
        assert await queue.count("active") == 0 and await queue.count("queued") == 0
        await queue.redis.delete(job.abort_id)  # its 5 s abort mark has expired by the next sweep

        swept = await recovery.requeue_stranded(older_than=timedelta(0))
        assert swept == SweepResult(requeued=1, dead=0)
        assert (await queue.job(job.key)).status == Status.QUEUED
        assert await queue.count("queued") == 1
    event = await _event(scope, event_id)
    assert event.attempts == 1 and event.dead_at is None
