"""Worker lifecycle: database binding, heartbeat, and a log line per job."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from typing import Any

from redis.exceptions import RedisError

from b2a.db.engine import bind_engine, close_pool, create_engine, start_pool
from b2a.lib import events, metrics, tracing
from b2a.lib import log as log_context
from b2a.lib import queue as job_queue
from b2a.lib import redis as redis_lib
from b2a.lib.http import create_client
from b2a.schema.tables import all_tables
from b2a.settings import Settings
from b2a.worker.tasks.inbox import inbound_batcher, reply_batcher
from b2a.worker.tasks.outbox import send_batcher

log = logging.getLogger("b2a.worker")


def instance_id() -> str:
    """Name of this process among its peers: host and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


async def beat(redis: Any, process: str, every: int) -> None:
    """Refresh this process's heartbeat key until cancelled; it expires 3 beats after death.

    A beat Redis refuses (it is restarting) is skipped, not the end of the heartbeat:
    a worker that lived through a Redis restart would otherwise look dead to
    ``b2a doctor`` for the rest of its life.
    """
    key = redis_lib.heartbeat_key(process, instance_id())
    try:
        while True:
            try:
                await redis.set(key, str(int(time.time())), ex=every * 3)
            except (RedisError, OSError) as exc:
                log.warning("heartbeat not written (%s); trying again in %d s", exc, every)
            await asyncio.sleep(every)
    finally:
        with contextlib.suppress(Exception):
            await redis.delete(key)


def make_startup(settings: Settings) -> Any:
    """The startup hook: connections, the queue for enqueuing, the heartbeat."""

    async def startup(ctx: dict[str, Any]) -> None:
        engine = create_engine(settings.db, "worker")
        bind_engine(engine, all_tables())
        await start_pool(engine, max_size=settings.db.pool_max)
        job_queue.install(ctx["worker"].queue)
        redis = redis_lib.connect(settings.redis)
        ctx.update(settings=settings, engine=engine, redis=redis, http=create_client())
        ctx["inbound"] = inbound_batcher(settings.worker)
        ctx["replies"] = reply_batcher(settings.worker)
        ctx["sends"] = send_batcher(settings, ctx["http"], redis)
        ctx["events"] = events.Publisher(redis)
        ctx["heartbeat"] = asyncio.create_task(
            beat(redis, "worker", settings.worker.heartbeat_seconds)
        )
        log.info("worker %s started", instance_id())

    return startup


async def shutdown(ctx: dict[str, Any]) -> None:
    """Stop the heartbeat and close connections."""
    heartbeat = ctx.get("heartbeat")
    if heartbeat:
        heartbeat.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await heartbeat
    for batcher in ("inbound", "replies", "sends"):
        if batcher in ctx:
            await ctx[batcher].close()
    if "events" in ctx:
        await ctx["events"].close()
    if "redis" in ctx:
        await ctx["redis"].aclose()
    if "http" in ctx:
        await ctx["http"].aclose()
    if "engine" in ctx:
        await close_pool(ctx["engine"])
    log.info("worker %s stopped", instance_id())


async def before_process(ctx: dict[str, Any]) -> None:
    """Remember when the job started; the job's and its tenant's ids go on its log lines.

    With tracing on, the job's span opens here, under the span that queued it
    (its ``traceparent`` in ``job.meta``), and stays current while the task
    runs: SAQ starts the task after this hook, in a copy of this context.
    """
    ctx["started_at"] = time.perf_counter()
    job = ctx.get("job")
    if job is not None:
        # Set for every job, so nothing of the previous job's is left on this one's lines.
        tenant = str((job.kwargs or {}).get("tenant_id", ""))
        log_context.job_id.set(job.key)
        log_context.tenant_id.set(tenant)
        if tracing.enabled():
            ctx["trace"] = _open_job_span(job, tenant)


def _open_job_span(job: Any, tenant: str) -> tuple[contextlib.ExitStack, tracing.Span]:
    stack = contextlib.ExitStack()
    span = stack.enter_context(
        tracing.span(
            job.function,
            kind="consumer",
            parent=dict(job.meta or {}),
            attributes={
                "b2a.job.kind": job.function,
                "b2a.job.key": job.key,
                "b2a.job.attempt": job.attempts,
                "b2a.tenant_id": tenant or None,
            },
        )
    )
    return stack, span


def _close_job_span(ctx: dict[str, Any], job: Any, status: str) -> None:
    """End the job's span with its status and, when its summary gives one, its outcome."""
    stack, span = ctx.pop("trace")
    outcome = job.result.get("outcome") if isinstance(job.result, dict) else None
    span.set({"b2a.job.status": status, "b2a.outcome": str(outcome) if outcome else None})
    if job.error:
        span.fail(job.error.strip().splitlines()[-1][:200])
    stack.close()


async def after_process(ctx: dict[str, Any]) -> None:
    """One line per job: name, status, duration, error."""
    job = ctx.get("job")
    if job is None:
        return
    took = (time.perf_counter() - ctx.get("started_at", time.perf_counter())) * 1000
    waited = (job.started - job.queued) / 1000 if job.started and job.queued else None
    status = str(getattr(job.status, "value", job.status))
    metrics.job_done(job.function, status, took / 1000, waited)
    if "trace" in ctx:
        _close_job_span(ctx, job, status)
    level = logging.WARNING if job.error else logging.INFO
    log.log(
        level,
        "job %s %s in %.0f ms%s",
        job.function,
        job.status,
        took,
        f": {job.error.splitlines()[-1]}" if job.error else "",
    )
