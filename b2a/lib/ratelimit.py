"""Sliding-window rate limits in Redis, shared by every worker process.

``reserve`` either takes a slot in the window (returns 0) or says how long to
wait before one frees up, atomically in one Lua call, so concurrent workers
can never exceed the limit together. ``reserve_all`` does the same for several
limits at once and takes a slot in every one or in none, so a message held by
one limit never spends a slot of another; ``reserve_each`` does that for many
messages in one call (a batch of sends). ``taken`` reads a window's slots, for
estimating when waiting messages will leave.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

from b2a.lib.redis import PREFIX

# Groups of limits in turn, in one call; a group takes a slot of each of its limits or of none.
# KEYS are every group's keys in order; ARGV: now, then per group its member and key count, then
# a (window, limit) pair per key. A later group sees the slots an earlier one took (two messages
# of one number).
_RESERVE_EACH = """
local now = tonumber(ARGV[1])
local waits, k, a = {}, 0, 2
while a <= #ARGV do
    local member, count = ARGV[a], tonumber(ARGV[a + 1])
    a = a + 2
    local wait = 0
    for i = 1, count do
        local key = KEYS[k + i]
        local window, limit = tonumber(ARGV[a + 2 * i - 2]), tonumber(ARGV[a + 2 * i - 1])
        redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
        if redis.call('ZCARD', key) >= limit then
            local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
            wait = math.max(wait, tonumber(oldest[2]) + window - now)
        end
    end
    if wait == 0 then
        for i = 1, count do
            local window = tonumber(ARGV[a + 2 * i - 2])
            redis.call('ZADD', KEYS[k + i], now, member)
            redis.call('PEXPIRE', KEYS[k + i], math.ceil(window * 1000))
        end
    end
    waits[#waits + 1] = tostring(wait)
    k, a = k + count, a + 2 * count
end
return waits
"""


@dataclass(frozen=True)
class Limit:
    """At most ``limit`` slots per ``window`` seconds under ``key``; a limit of 0 is none."""

    key: str
    limit: int
    window: float


def limit_key(*parts: str) -> str:
    """The Redis key of one limit, e.g. ``limit_key("customer", tenant, phone)``."""
    return f"{PREFIX}rate:{':'.join(parts)}"


async def reserve(redis: Any, key: str, *, limit: int, window: float) -> float:
    """Take one slot of ``limit`` per ``window`` seconds; 0, or the seconds to wait for one."""
    return await reserve_all(redis, [Limit(key, limit, window)])


async def reserve_all(redis: Any, limits: list[Limit]) -> float:
    """Take a slot of every limit, or of none: 0, or the seconds until all have one free."""
    (wait,) = await reserve_each(redis, [limits])
    return wait


async def reserve_each(redis: Any, groups: list[list[Limit]]) -> list[float]:
    """``reserve_all`` for each group in turn, in one Redis call: each group's wait (0: taken)."""
    keys: list[str] = []
    args: list[str] = [f"{time.time():.6f}"]
    for limits in groups:
        active = [limit for limit in limits if limit.limit > 0]
        args += [uuid.uuid4().hex, str(len(active))]
        for limit in active:
            keys.append(limit.key)
            args += [str(limit.window), str(limit.limit)]
    if not keys:
        return [0.0] * len(groups)
    waits = await redis.register_script(_RESERVE_EACH)(keys=keys, args=args)
    return [max(0.0, float(wait)) for wait in waits]


async def taken(redis: Any, limit: Limit) -> list[float]:
    """Seconds ago each slot still in the window was taken (Unix time, oldest first)."""
    now = time.time()
    members = await redis.zrangebyscore(limit.key, now - limit.window, "+inf", withscores=True)
    return [now - float(score) for _member, score in members]
