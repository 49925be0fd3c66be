"""The SAQ queue, built the same way by every process that enqueues or works."""

from __future__ import annotations

from collections.abc import Iterable

from saq.job import Job
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
        """Retry the stuck jobs of dead workers (see the class docstring)."""
        return await super().sweep(lock=lock, abort=abort)


def create_queue(settings: RedisSettings) -> RedisQueue:
    """The queue on the configured Redis, built by ``b2a.lib.redis.connect``.

    That is a TCP address, a unix socket (which SAQ's ``from_url`` refuses) or
    the master the Sentinels name.
    """
    redis = connect(settings, timeout=CONNECT_SECONDS, read_timeout=READ_SECONDS, decode=False)
    return B2AQueue(redis, name=QUEUE_NAME)
