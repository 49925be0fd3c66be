"""Per-tenant leases in Redis: at most one session process owns a tenant at a time.

A lease is a key holding the owner's id with a TTL. It is claimed with SET NX,
renewed and released only by its owner (compare-and-set in Lua), and simply
expires when its owner dies, so another process can take over.
"""

from __future__ import annotations

from typing import Any

from b2a.lib.redis import lease_key

KIND = "whatsapp"

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class Leases:
    """Claim, renew and release tenant leases on behalf of one owner."""

    def __init__(self, redis: Any, owner: str, ttl_seconds: int) -> None:
        self._redis = redis
        self.owner = owner
        self._ttl_ms = ttl_seconds * 1000

    async def claim(self, tenant_id: str) -> bool:
        """Take the lease if nobody holds it."""
        return bool(
            await self._redis.set(lease_key(KIND, tenant_id), self.owner, nx=True, px=self._ttl_ms)
        )

    async def renew(self, tenant_id: str) -> bool:
        """Extend our lease; False means it expired or someone else holds it now."""
        return bool(
            await self._redis.eval(_RENEW, 1, lease_key(KIND, tenant_id), self.owner, self._ttl_ms)
        )

    async def release(self, tenant_id: str) -> None:
        """Give the lease up, if it is still ours."""
        await self._redis.eval(_RELEASE, 1, lease_key(KIND, tenant_id), self.owner)
