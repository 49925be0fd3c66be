"""The one way domain code enqueues background work.

The domain must not import SAQ, so this module knows only the shape of a queue:
each process that enqueues (server, worker) installs its SAQ queue at startup
with ``install``. Jobs are named by their task function and deduplicated by an
explicit ``key``: enqueueing the same key twice runs the job once.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from b2a.lib import tracing

# A job in one of these states will still run (or is running): whatever it is for is
# not stranded. SAQ's other states (complete, failed, aborted) are final.
LIVE_STATUSES = frozenset({"new", "queued", "active", "aborting"})


class JobQueue(Protocol):
    """What b2a needs of a job queue (SAQ's ``Queue`` satisfies it)."""

    async def enqueue(self, job_or_func: str, **kwargs: Any) -> Any:
        """Queue a job by function name; returns None when the key is already queued."""

    async def jobs(self, job_keys: Iterable[str]) -> list[Any]:
        """The jobs stored under these keys, None where there is none."""


@dataclass(frozen=True)
class JobState:
    """What the queue remembers of a job: its status and how many times it started."""

    status: str
    attempts: int
    error: str

    @property
    def live(self) -> bool:
        """Whether the job will still run (queued, scheduled for a retry, or running)."""
        return self.status in LIVE_STATUSES


_installed: JobQueue | None = None


def install(queue: JobQueue) -> None:
    """Make ``queue`` the process's queue (called by the server and worker at startup)."""
    global _installed
    _installed = queue


def _queue() -> JobQueue:
    if _installed is None:
        raise RuntimeError("no job queue installed in this process; call b2a.lib.queue.install")
    return _installed


async def enqueue(
    name: str,
    *,
    key: str,
    timeout: int = 60,
    retries: int = 3,
    delay: float = 0.0,
    retry_delay: float = 0.0,
    retry_backoff: float = 0.0,
    **kwargs: Any,
) -> bool:
    """Queue task ``name`` once per ``key``; returns False when it was already queued.

    ``retries`` counts total attempts (SAQ's meaning), not extra ones; ``delay``
    holds the job back that many seconds. A failed attempt is retried after
    ``retry_delay`` seconds, doubling each time up to ``retry_backoff`` seconds
    when that is set. With tracing on, the job carries the current span as
    ``traceparent`` in its ``meta`` (the worker's job span continues the trace).
    """
    scheduled = math.ceil(time.time() + delay) if delay > 0 else 0
    job = await _queue().enqueue(
        name,
        key=key,
        timeout=timeout,
        retries=retries,
        scheduled=scheduled,
        retry_delay=retry_delay,
        retry_backoff=retry_backoff or False,
        kwargs=kwargs,
        meta=tracing.carrier(),
    )
    return job is not None


async def job_states(keys: list[str]) -> list[JobState | None]:
    """What the queue knows of each job key (one round trip), None for a job it does not hold.

    A job the queue does not hold was never queued, or finished long enough
    ago that its record expired, or was lost with Redis's data.
    """
    if not keys:
        return []
    return [
        None
        if job is None or _abandoned(job)
        else JobState(_status(job.status), job.attempts, job.error or "")
        for job in await _queue().jobs(keys)
    ]


ABANDONED_AFTER_SECONDS = 30
"""An ``aborting`` job not touched for this long is no longer in the queue's hands."""


def _abandoned(job: Any) -> bool:
    """Whether a job was left half-swept: marked ``aborting`` by a worker that died next.

    SAQ's sweep takes a dead worker's job off the queue's lists, marks it
    aborting, waits, then queues it again. A worker killed between the two
    steps (a second SIGKILL during the sweep, seen in the fault run) leaves the
    job aborting in no list: nothing would ever run it. A live sweep holds it
    that way for a fraction of a second, so one this old is treated like a job
    the queue lost.
    """
    if _status(job.status) != "aborting":
        return False
    touched_ms = int(job.touched or job.queued or 0)
    return time.time() - touched_ms / 1000 > ABANDONED_AFTER_SECONDS


def _status(status: Any) -> str:
    """SAQ's status as its plain value (its enum mixes in str, whose ``str()`` names the enum)."""
    return str(getattr(status, "value", status))
