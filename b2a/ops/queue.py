"""The SAQ queue, built the same way by every process that enqueues or works."""

from __future__ import annotations

from redis.asyncio import Redis
from saq.queue.redis import RedisQueue

from b2a.settings import RedisSettings

QUEUE_NAME = "b2a"


def create_queue(settings: RedisSettings) -> RedisQueue:
    """The queue on the configured Redis (TCP or unix socket, which SAQ's from_url refuses)."""
    return RedisQueue(Redis.from_url(settings.url), name=QUEUE_NAME)
