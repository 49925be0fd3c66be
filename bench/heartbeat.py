"""What job heartbeats cost Redis: one touch of a running job, and one sweep of the active jobs.

A worker touches each job it has run for longer than a beat, once a beat
(``b2a.worker.hooks.touch``), and one worker per beat sweeps the active jobs
(``b2a.ops.queue``). This times both on the queue's own Redis client and reads
Redis's own CPU per command from ``INFO commandstats``.

    B2A_REDIS_URL=redis://127.0.0.1:6379/15 python -m bench.heartbeat

The database named is flushed.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

from saq import Status

from b2a.ops.queue import create_queue
from b2a.settings import load_settings

TOUCHES = 5_000
ACTIVE = 200  # e.g. ten workers at the default concurrency (20)
SWEEPS = 200


async def _redis_usec(redis: Any) -> float:
    stats = await redis.info("commandstats")
    return float(sum(v["usec"] for v in stats.values()))


async def _timed(redis: Any, work: Any, times: int) -> tuple[float, float]:
    """Client wall time and Redis CPU of one call of ``work``, both in µs."""
    await redis.config_resetstat()
    started = time.perf_counter()
    for _ in range(times):
        await work()
    wall = (time.perf_counter() - started) / times * 1e6
    return wall, await _redis_usec(redis) / times


async def main() -> None:
    """Print the cost of a touch and of a sweep of ``ACTIVE`` running jobs."""
    settings = load_settings({**os.environ, "B2A_WORKER_HEARTBEAT_SECONDS": "5"})
    queue = create_queue(settings)
    await queue.connect()
    redis = queue.redis
    await redis.flushdb()
    for n in range(ACTIVE):
        await queue.enqueue("send_message", key=f"bench:{n}", timeout=3600, message_id=str(n))
    jobs = [await queue.dequeue() for _ in range(ACTIVE)]
    for job in jobs:
        assert job is not None
        await job.update(status=Status.ACTIVE, started=int(time.time() * 1000))
    touch = await _timed(redis, jobs[0].update, TOUCHES)
    print(f"one touch (GET + SET of the job): {touch[0]:.0f} µs client, {touch[1]:.1f} µs Redis")

    async def sweep() -> None:
        await redis.delete(queue.namespace("sweep"))
        assert await queue.sweep() == []

    swept = await _timed(redis, sweep, SWEEPS)
    print(f"one sweep of {ACTIVE} live jobs: {swept[0]:.0f} µs client, {swept[1]:.0f} µs Redis")
    await redis.flushdb()
    await queue.disconnect()


if __name__ == "__main__":
    asyncio.run(main())
