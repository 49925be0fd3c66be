"""Account lockout: 5 failed logins within 15 minutes lock the address for 15 minutes.

Failures are a sorted set of timestamps per address (an unknown address is
counted like a real one, so the lockout reveals nothing). Recording a failure
and deciding to lock happen in one Lua call, so concurrent attempts on several
server processes cannot slip past the limit. Times come from ``clock.now()``;
the Redis expiries only tidy up.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from b2a.lib import clock
from b2a.lib.redis import PREFIX

FAILURES_ALLOWED = 5
WINDOW = timedelta(minutes=15)
LOCK_FOR = timedelta(minutes=15)

_RECORD = """
local failures, lock = KEYS[1], KEYS[2]
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local limit, lock_for = tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', failures, '-inf', now - window)
redis.call('ZADD', failures, now, ARGV[5])
redis.call('EXPIRE', failures, math.ceil(window))
if redis.call('ZCARD', failures) >= limit then
    redis.call('SET', lock, tostring(now + lock_for), 'EX', math.ceil(lock_for))
    redis.call('DEL', failures)
    return 1
end
return 0
"""


def _keys(address: str) -> list[str]:
    return [f"{PREFIX}login-failures:{address}", f"{PREFIX}login-lock:{address}"]


async def locked_until(redis: Any, address: str) -> datetime | None:
    """When the lock on this address ends; None when it is not locked."""
    raw = await redis.get(_keys(address)[1])
    if raw is None:
        return None
    until = datetime.fromtimestamp(float(raw), UTC)
    return until if until > clock.now() else None


async def record_failure(redis: Any, address: str) -> bool:
    """Count one failed login; True when it locks the address."""
    script = redis.register_script(_RECORD)
    locked = await script(
        keys=_keys(address),
        args=[
            f"{clock.now().timestamp():.6f}",
            str(math.ceil(WINDOW.total_seconds())),
            str(FAILURES_ALLOWED),
            str(math.ceil(LOCK_FOR.total_seconds())),
            uuid.uuid4().hex,
        ],
    )
    return bool(int(locked))


async def clear_failures(redis: Any, address: str) -> None:
    """Forget past failures after a successful login."""
    await redis.delete(_keys(address)[0])


async def unlock(redis: Any, address: str) -> None:
    """Lift a lock and forget failures (the owner proved their inbox with a reset link)."""
    await redis.delete(*_keys(address))
