"""Helpers for tests that run the real worker against the real queue."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from b2a.lib import queue as job_queue
from b2a.ops.queue import create_queue
from b2a.settings import Settings
from b2a.worker.settings import create_worker


@contextlib.asynccontextmanager
async def running_worker(settings: Settings) -> AsyncIterator[Any]:
    """A real SAQ worker in this event loop; the test process enqueues through its queue."""
    worker = create_worker(settings)
    # Short upkeep loops: delayed jobs move to the queue within a second, aborts are seen at
    # once. SAQ passes the schedule, sweep and worker-info periods to Redis as lock TTLs, which
    # must be whole seconds.
    worker.timers.update({"schedule": 1, "abort": 0.2, "sweep": 1, "worker_info": 1})
    # An idle dequeue notices the stop only when it times out (1 s): a short one lets each
    # test that ran a worker end at once.
    worker.dequeue_timeout = 0.1
    await worker.queue.connect()
    job_queue.install(worker.queue)
    task = asyncio.create_task(worker.start())
    try:
        yield worker
    finally:
        worker.event.set()
        await asyncio.wait_for(task, 15)
        await worker.queue.disconnect()


@contextlib.asynccontextmanager
async def installed_queue(settings: Settings) -> AsyncIterator[Any]:
    """The queue installed for enqueueing, with no worker consuming it."""
    queue = create_queue(settings.redis)
    await queue.connect()
    job_queue.install(queue)
    try:
        yield queue
    finally:
        await queue.disconnect()


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 10.0) -> Any:
    """Poll ``check`` until it returns something truthy; fail with its last value."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await check()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s (last: {value!r})")
        await asyncio.sleep(0.05)
