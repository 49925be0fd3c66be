"""Figures read live when ``/metrics`` is scraped: the queue, dead letters, sessions, breakers.

They describe shared state (Redis, the database), not one process, so no
process counts them: the scrape reads them, a handful of round trips every
scrape interval, and nothing is added to the message path. Each source that
cannot be read is reported by ``b2a_live_read_ok`` = 0 and skipped, so a scrape
during a Redis outage still returns every process's counters.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter as Tally
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from piccolo.query.functions.aggregate import Count

from b2a.inbox.rules import DeliveryState, Transport
from b2a.inbox.tables import Channel, Message
from b2a.lib.metrics import gauge, label
from b2a.lib.redis import PREFIX, lease_key

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

log = logging.getLogger(__name__)

QUEUE_SCAN = 10_000
"""Queued job ids read per scrape: a deeper backlog is counted in total, by kind up to this."""
READ_TIMEOUT = 2.0


async def live_metrics(queue: Any, redis: Any) -> list[Metric]:
    """Every scrape-time gauge; a source that fails is marked, not fatal."""
    ok = gauge("b2a_live_read_ok", "1 when the scrape read this source.", labels=["source"])
    families: list[Metric] = [ok]
    for source, read in (
        ("queue", _queue(queue)),
        ("database", _database()),
        ("redis", _redis(redis)),
    ):
        try:
            families += await asyncio.wait_for(read, READ_TIMEOUT)
            ok.add_metric([source], 1)
        except Exception as exc:
            log.warning("metrics: %s not read (%s)", source, exc)
            ok.add_metric([source], 0)
    return families


async def _queue(queue: Any) -> list[Metric]:
    """Jobs waiting and running per kind (the job key's first word), and the oldest's age."""
    redis = queue.redis
    async with redis.pipeline(transaction=False) as pipe:
        pipe.llen(queue.namespace("queued"))
        pipe.lrange(queue.namespace("queued"), 0, QUEUE_SCAN - 1)
        pipe.lrange(queue.namespace("active"), 0, QUEUE_SCAN - 1)
        pipe.zcount(queue.namespace("incomplete"), f"({time.time()}", "+inf")
        total, queued, active, scheduled = await pipe.execute()
    jobs = gauge("b2a_queue_jobs", "Jobs by kind and state.", labels=["kind", "state"])
    first: dict[str, str] = {}
    for state, ids in (("queued", queued), ("active", active)):
        tally = Tally(_kind(queue, i) for i in ids)
        for kind, n in sorted(tally.items()):
            jobs.add_metric([kind, state], n)
    for job_id in queued:
        first.setdefault(_kind(queue, job_id), job_id.decode())
    return [
        jobs,
        gauge("b2a_queue_depth", "Jobs queued and due, all kinds.", value=total),
        gauge(
            "b2a_queue_scheduled_jobs", "Jobs held for later (retries, pacing).", value=scheduled
        ),
        await _ages(queue, first),
    ]


def _kind(queue: Any, job_id: bytes) -> str:
    key = queue.job_key_from_id(job_id.decode())
    return label(key.partition(":")[0])


async def _ages(queue: Any, first: dict[str, str]) -> Metric:
    ages = gauge(
        "b2a_queue_oldest_job_age_seconds",
        "Age of the queued job at the head of each kind.",
        labels=["kind"],
    )
    payloads = await queue.redis.mget(list(first.values())) if first else []
    now_ms = time.time() * 1000
    for kind, payload in zip(first, payloads, strict=True):
        job = queue.deserialize(payload)
        if job is not None and job.queued:
            ages.add_metric([kind], max(now_ms - job.queued, 0) / 1000)
    return ages


async def _database() -> list[Metric]:
    dead = await Message.count().where(Message.state == DeliveryState.DEAD)
    rows = await (
        Channel.select(Channel.state, Count(Channel.id, alias="n"))
        .where(Channel.transport == Transport.WEB)
        .group_by(Channel.state)
    )
    sessions = gauge(
        "b2a_whatsapp_web_channels", "WhatsApp-Web channels by state.", labels=["state"]
    )
    for row in rows:
        sessions.add_metric([label(row["state"])], row["n"])
    return [
        gauge("b2a_dead_letter_messages", "Messages in the dead letters now.", value=dead),
        sessions,
    ]


async def _redis(redis: Any) -> list[Metric]:
    leases = 0
    async for _ in redis.scan_iter(match=lease_key("whatsapp", "*"), count=1000):
        leases += 1
    breakers = gauge(
        "b2a_ai_breaker_open", "1 while a provider's circuit breaker is open.", labels=["provider"]
    )
    prefix = f"{PREFIX}ai:breaker:"
    now = time.time()
    async for key in redis.scan_iter(match=f"{prefix}*", count=1000):
        open_until = await _float(redis.hget(key, "open_until"))
        name = key.decode()[len(prefix) :] if isinstance(key, bytes) else key[len(prefix) :]
        breakers.add_metric([label(name)], 1 if open_until > now else 0)
    return [
        gauge(
            "b2a_whatsapp_web_leases",
            "WhatsApp-Web sessions held by a session process.",
            value=leases,
        ),
        breakers,
    ]


async def _float(value: Awaitable[Any]) -> float:
    raw = await value
    return float(raw) if raw else 0.0
