"""Liveness and readiness: what a load balancer and `b2a doctor` poll."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from litestar import Response, get
from litestar.datastructures import State

from b2a.errors import Unavailable

CHECK_TIMEOUT = 0.5


@get("/health", sync_to_thread=False, tags=["health"])
def health() -> dict[str, str]:
    """The process is up and serving requests."""
    return {"status": "ok"}


async def _failed(probe: Awaitable[Any]) -> bool:
    try:
        await asyncio.wait_for(probe, CHECK_TIMEOUT)
    except Exception:
        return True
    return False


@get("/ready", tags=["health"])
async def ready(state: State) -> Response[dict[str, Any]]:
    """Database and Redis both answer within half a second, or 503 naming the one that did not."""
    db_failed, redis_failed = await asyncio.gather(
        _failed(state.engine.run_ddl("SELECT 1")), _failed(state.redis.ping())
    )
    if db_failed:
        raise Unavailable("the database is not reachable.", code="DB_UNAVAILABLE")
    if redis_failed:
        raise Unavailable("Redis is not reachable.", code="REDIS_UNAVAILABLE")
    return Response({"status": "ready"})
