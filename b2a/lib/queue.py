"""The one way domain code enqueues background work.

The domain must not import SAQ, so this module knows only the shape of a queue:
each process that enqueues (server, worker) installs its SAQ queue at startup
with ``install``. Jobs are named by their task function and deduplicated by an
explicit ``key``: enqueueing the same key twice runs the job once.
"""

from __future__ import annotations

import math
import time
from typing import Any, Protocol


class JobQueue(Protocol):
    """What b2a needs of a job queue (SAQ's ``Queue`` satisfies it)."""

    async def enqueue(self, job_or_func: str, **kwargs: Any) -> Any:
        """Queue a job by function name; returns None when the key is already queued."""


_installed: JobQueue | None = None


def install(queue: JobQueue) -> None:
    """Make ``queue`` the process's queue (called by the server and worker at startup)."""
    global _installed
    _installed = queue


async def enqueue(
    name: str,
    *,
    key: str,
    timeout: int = 60,
    retries: int = 3,
    delay: float = 0.0,
    **kwargs: Any,
) -> bool:
    """Queue task ``name`` once per ``key``; returns False when it was already queued.

    ``retries`` counts total attempts (SAQ's meaning), not extra ones; ``delay``
    holds the job back that many seconds.
    """
    if _installed is None:
        raise RuntimeError("no job queue installed in this process; call b2a.lib.queue.install")
    scheduled = math.ceil(time.time() + delay) if delay > 0 else 0
    job = await _installed.enqueue(
        name, key=key, timeout=timeout, retries=retries, scheduled=scheduled, kwargs=kwargs
    )
    return job is not None
