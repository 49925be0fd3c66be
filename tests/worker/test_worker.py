import asyncio

from saq import Status
from saq.utils import now

from b2a.lib import queue as job_queue
from b2a.lib.redis import heartbeat_pattern
from b2a.worker.settings import CRON_JOBS, FUNCTIONS
from tests.pipeline import installed_queue, running_worker


def test_every_task_and_cron_job_is_registered_in_one_place():
    names = {f.__name__ for f in FUNCTIONS}
    assert "cleanup" in names
    assert any(c.function.__name__ == "cleanup" and c.cron == "0 3 * * *" for c in CRON_JOBS)


async def test_a_worker_runs_an_enqueued_job_and_reports_its_heartbeat(pg, make_settings, redis):
    settings = make_settings(B2A_DB_URL=pg.url, B2A_WORKER_HEARTBEAT_SECONDS="1")
    async with running_worker(settings) as worker:
        for _ in range(50):
            if "settings" in worker.context:
                break
            await asyncio.sleep(0.05)
        assert await job_queue.enqueue("cleanup", key="test-cleanup")
        assert not await job_queue.enqueue("cleanup", key="test-cleanup"), "same key, one job"
        job = await worker.queue.job("test-cleanup")
        for _ in range(100):
            await job.refresh()
            if job.status in (Status.COMPLETE, Status.FAILED):
                break
            await asyncio.sleep(0.05)
        assert job.status == Status.COMPLETE, job.error
        assert job.result == {
            "audit_entries_archived": 0,
            "scheduled_messages_removed": 0,
            "inbound_events_removed": 0,
        }
        assert [k async for k in redis.scan_iter(match=heartbeat_pattern("worker"))]
    assert not [k async for k in redis.scan_iter(match=heartbeat_pattern("worker"))]


async def test_job_status_changes_are_stored_but_not_published(pg, make_settings, redis):
    settings = make_settings(B2A_DB_URL=pg.url)
    pubsub = redis.pubsub()
    await pubsub.psubscribe("saq:job:*")
    async with running_worker(settings) as worker:
        assert await job_queue.enqueue("cleanup", key="quiet-cleanup")
        job = await worker.queue.job("quiet-cleanup")
        for _ in range(100):
            await job.refresh()
            if job.status in (Status.COMPLETE, Status.FAILED):
                break
            await asyncio.sleep(0.05)
        assert job.status == Status.COMPLETE, job.error
    published = []
    while (message := await pubsub.get_message(timeout=0.2)) is not None:
        # SAQ's sweep publishes its aborts itself (a loaded machine can make it look stuck).
        if message["type"] == "pmessage" and message["data"] != "aborting":
            published.append(message["data"])
    await pubsub.aclose()
    assert published == [], "nobody waits on a job: its status changes cost no pub/sub traffic"


async def test_a_job_being_picked_up_is_swept_only_if_still_unmarked_a_sweep_later(
    make_settings, redis
):
    """SAQ issue #277: its sweep retried a job a live worker had just taken off the queue."""
    async with installed_queue(make_settings()) as queue:
        await queue.enqueue("cleanup", key="being-picked-up")
        await queue.enqueue("cleanup", key="abandoned")
        # A worker's first step: the ids are on the active list, the jobs not yet marked.
        picked = await queue.dequeue()
        abandoned = await queue.dequeue()
        assert await queue.sweep(lock=1) == []
        assert await queue.sweep(lock=1) == [], "another worker within the period sweeps nothing"
        # The worker's second step for one of them; the other's worker died in between.
        picked.started = now()
        picked.attempts += 1
        await picked.update(status=Status.ACTIVE)
        await asyncio.sleep(1.1)
        assert await queue.sweep(lock=1) == [abandoned.id]
        assert (await queue.job("being-picked-up")).status == Status.ACTIVE
        retried = await queue.job("abandoned")
        assert (retried.status, retried.error) == (Status.QUEUED, "swept")
