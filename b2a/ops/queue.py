"""The SAQ queue, built the same way by every process that enqueues or works."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from saq.job import Job, Status
from saq.queue.base import Queue
from saq.queue.redis import RedisQueue
from saq.types import ListenCallback

from b2a.lib.redis import connect
from b2a.settings import RedisSettings

QUEUE_NAME = "b2a"
# A Redis that accepts connections but never answers fails each call after this long, instead
# of holding it forever; longer than any blocking call the queue makes (a 1 s dequeue wait).
CONNECT_SECONDS = 5
READ_SECONDS = 10
# How often (across all workers) the active jobs are checked for a dead worker's leftovers.
SWEEP_EVERY_SECONDS = 5
# How long the sweep waits for a live worker to abort a stuck job before retrying it.
ABORT_WAIT_SECONDS = 0.1
# The active list with each job, read by one worker per sweep period (the lock's TTL); false
# for the others.
_ACTIVE_JOBS_ONCE_A_PERIOD = """
if redis.call('EXISTS', KEYS[1]) == 1 then
    return false
end
redis.call('SETEX', KEYS[1], ARGV[1], 1)
local id_jobs = {}
for i, v in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
    id_jobs[i] = {v, redis.call('GET', v)}
end
return id_jobs
"""

logger = logging.getLogger(__name__)


class B2AQueue(RedisQueue):
    """SAQ's Redis queue, sweeping a killed worker's jobs back within seconds, publishing nothing.

    SAQ sweeps at most once a minute and waits 5 s per stuck job for its worker
    to abort it, one job after another: after a worker is killed with twenty
    jobs in hand, recovery took minutes. Our jobs are idempotent (each claims its
    row before acting), so a short abort wait is safe.

    SAQ also publishes every job's status changes (started, finished, retried)
    on Redis pub/sub for callers that wait on a job (``Queue.apply``, ``listen``).
    b2a never waits on a job, so those are two Redis round trips per job that
    nobody reads; job state is still written to the job's key as before, and
    whatever waits on a job reads it there (``listen``).
    """

    async def notify(self, job: Job) -> None:
        """Publish nothing (see the class docstring)."""

    async def listen(
        self,
        job_keys: Iterable[str],
        callback: ListenCallback,
        timeout: float | None = 10,
        poll_interval: float = 0.5,
    ) -> None:
        """Wait on jobs by reading their state, never through a pub/sub subscription.

        Nothing is published (``notify``), so SAQ's subscriber would only ever
        wait out its timeout (the sweep waits this way for a stuck job). Worse,
        once started it reads one connection for the process's life, and after
        a Redis restart its loop failed at once on every read ("readuntil()
        called while another coroutine is already waiting"), logging without
        ever yielding: the worker's event loop starved, and SIGTERM and SIGINT
        were never handled (docs/reliability.md, "Faults").
        """
        await Queue.listen(self, job_keys, callback, timeout, poll_interval)

    async def sweep(
        self, lock: int = SWEEP_EVERY_SECONDS, abort: float = ABORT_WAIT_SECONDS
    ) -> list[str]:
        """Retry the stuck jobs of dead workers, never a job a live worker is picking up.

        A worker takes a job in two steps: it moves the id onto the active list,
        then marks the job active. SAQ's own sweep retries any job on that list
        not marked active, so a sweep landing between the two steps retried (and
        later ran twice) a job a live worker held: a loaded machine saw it every
        few minutes (SAQ issue #277). Here such a job is only a suspect the first
        time; it is retried when the next sweep still finds it unmarked at the
        same attempt, which a live worker never leaves it for a whole period.
        """
        held = await self._active_jobs(lock)
        if held is None:
            return []
        suspects_key = self.namespace("sweep_suspects")
        earlier = {
            job_id: int(attempts)
            for job_id, attempts in (await self.redis.hgetall(suspects_key)).items()
        }
        suspects: dict[str | bytes, int] = {}
        swept: list[str] = []
        for job_id, job_bytes in held:
            job = self.deserialize(job_bytes)
            if job is None:
                swept.append(job_id.decode())
                await self._forget(job_id)
            elif job.status == Status.QUEUED and earlier.get(job_id) != job.attempts:
                suspects[job_id] = job.attempts
            elif job.status != Status.ACTIVE or job.stuck:
                swept.append(job_id.decode())
                await self._retry_swept(job, abort)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(suspects_key)
            if suspects:
                pipe.hset(suspects_key, mapping=suspects)  # type: ignore[arg-type]
                pipe.expire(suspects_key, lock * 3)
            await pipe.execute()
        return swept

    async def _active_jobs(self, lock: int) -> list[tuple[bytes, bytes | None]] | None:
        """The active list's ids and jobs; None if another worker swept in the last ``lock`` s."""
        script = self.redis.register_script(_ACTIVE_JOBS_ONCE_A_PERIOD)
        held = await script(
            keys=[self.namespace("sweep"), self._active], args=[lock], client=self.redis
        )
        if held is None:
            return None
        return [(job_id, job_bytes) for job_id, job_bytes in held]

    async def _forget(self, job_id: bytes) -> None:
        """Drop an id whose job expired from the active and incomplete sets."""
        logger.info("Sweeping missing job %s", job_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.lrem(self._active, 0, job_id.decode())
            pipe.zrem(self._incomplete, job_id)
            await pipe.execute()

    async def _retry_swept(self, job: Job, abort: float) -> None:
        """Abort the job's old run if a worker still has it, then retry it (or end it)."""
        logger.info("Sweeping job %s", job.info(logger.isEnabledFor(logging.DEBUG)))
        await self.abort(job, error=self.swept_error_message)
        try:
            await job.refresh(abort)
        except TimeoutError:
            logger.info("Could not abort job %s", job.id)
        if job.retryable:
            await self.retry(job, error=self.swept_error_message)
        else:
            await self.finish(job, Status.ABORTED, error=self.swept_error_message)


def create_queue(settings: RedisSettings) -> RedisQueue:
    """The queue on the configured Redis, built by ``b2a.lib.redis.connect``.

    That is a TCP address, a unix socket (which SAQ's ``from_url`` refuses) or
    the master the Sentinels name.
    """
    redis = connect(settings, timeout=CONNECT_SECONDS, read_timeout=READ_SECONDS, decode=False)
    return B2AQueue(redis, name=QUEUE_NAME)
