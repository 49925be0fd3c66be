"""Sliding-window rate limits in Redis, shared by every worker process.

``reserve`` either takes a slot in the window (returns 0) or says how long to
wait before one frees up, atomically in one Lua call, so concurrent workers
can never exceed the limit together.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from b2a.lib.redis import PREFIX

_RESERVE = """
local key, now, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) < limit then
    redis.call('ZADD', key, now, ARGV[4])
    redis.call('PEXPIRE', key, math.ceil(window * 1000))
    return '0'
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return tostring(tonumber(oldest[2]) + window - now)
"""


def limit_key(*parts: str) -> str:
    """The Redis key of one limit, e.g. ``limit_key("customer", tenant, phone)``."""
    return f"{PREFIX}rate:{':'.join(parts)}"


async def reserve(redis: Any, key: str, *, limit: int, window: float) -> float:
    """Take one slot of ``limit`` per ``window`` seconds; 0, or the seconds to wait for one."""
    if limit <= 0:
        return 0.0
    script = redis.register_script(_RESERVE)
    wait = await script(
        keys=[key], args=[f"{time.time():.6f}", str(window), str(limit), uuid.uuid4().hex]
    )
    return max(0.0, float(wait))
