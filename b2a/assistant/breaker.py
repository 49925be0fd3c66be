"""A circuit breaker shared by every worker process, and the fallback it protects.

A remote provider that keeps failing is not asked again for a cool-down: each
failed call would otherwise hold a customer's turn for the full timeout and
retries. The breaker's state lives in Redis so that all workers see the same
provider health: after ``threshold`` consecutive failures it opens for
``cooldown`` seconds; then one worker at a time is let through as a probe
(half-open); a probe that succeeds closes it, one that fails opens it again.

``WithFallback`` puts the offline catalog assistant behind a remote provider:
when the remote one fails or its breaker is open, the catalog assistant answers
and the reply says why (``fallback_reason``, kept in the usage log). Either
way the draft goes through the same grounding review in the turn.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from b2a.assistant.shapes import AssistantRequest, Provider, ProviderDown, ProviderReply
from b2a.lib import clock, metrics
from b2a.lib.redis import PREFIX

log = logging.getLogger(__name__)

CLOSED, OPEN, PROBE = 1, 0, 2

# KEYS[1]: the breaker's hash; ARGV: now, probe ttl. 1 closed, 0 open, 2 probe.
_ALLOW = """
local now = tonumber(ARGV[1])
local open_until = tonumber(redis.call('HGET', KEYS[1], 'open_until') or '0')
if open_until == 0 then return 1 end
if now < open_until then return 0 end
local probe_until = tonumber(redis.call('HGET', KEYS[1], 'probe_until') or '0')
if now < probe_until then return 0 end
redis.call('HSET', KEYS[1], 'probe_until', now + tonumber(ARGV[2]))
return 2
"""

# KEYS[1]: the hash; ARGV: now, threshold, cooldown, ttl. Returns 1 when it opened.
_FAIL = """
local now = tonumber(ARGV[1])
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
local open_until = tonumber(redis.call('HGET', KEYS[1], 'open_until') or '0')
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
if failures >= tonumber(ARGV[2]) or (open_until > 0 and now >= open_until) then
  redis.call('HSET', KEYS[1], 'open_until', now + tonumber(ARGV[3]))
  redis.call('HDEL', KEYS[1], 'probe_until')
  return 1
end
return 0
"""


class Breaker:
    """Consecutive-failure breaker for one provider, its state in Redis."""

    def __init__(
        self, redis: Any, name: str, *, threshold: int = 5, cooldown: float = 60.0
    ) -> None:
        self.redis = redis
        self.name = name
        self.key = f"{PREFIX}ai:breaker:{name}"
        self.threshold = threshold
        self.cooldown = cooldown

    async def allow(self) -> int:
        """``CLOSED`` (call it), ``PROBE`` (call it as the one half-open probe) or ``OPEN``."""
        now = clock.now().timestamp()
        return int(await self.redis.eval(_ALLOW, 1, self.key, now, self.cooldown))

    async def succeeded(self) -> None:
        """The provider answered: the failure count starts again and the breaker closes."""
        await self.redis.delete(self.key)

    async def failed(self) -> bool:
        """Count one failure; True when that opened the breaker."""
        now = clock.now().timestamp()
        ttl = int(self.cooldown * 10) + 3600
        args = (now, self.threshold, self.cooldown, ttl)
        opened = bool(int(await self.redis.eval(_FAIL, 1, self.key, *args)))
        if opened:
            metrics.breaker_opened(self.name)
            log.warning("AI provider %s: breaker open for %gs", self.name, self.cooldown)
        return opened


class WithFallback:
    """The remote provider while it works, else the offline assistant, saying why."""

    def __init__(self, primary: Provider, fallback: Provider, breaker: Breaker) -> None:
        self.primary = primary
        self.fallback = fallback
        self.breaker = breaker
        self.name = primary.name

    async def reply(self, request: AssistantRequest) -> ProviderReply:
        """The primary's draft, or the fallback's with ``fallback_reason`` set."""
        if await self.breaker.allow() == OPEN:
            return await self._fall_back(request, f"{self.primary.name} is paused after failures")
        try:
            reply = await self.primary.reply(request)
        except ProviderDown as exc:
            await self.breaker.failed()
            log.warning("AI provider %s failed: %s", self.primary.name, exc)
            return await self._fall_back(request, f"{self.primary.name} failed: {exc}")
        await self.breaker.succeeded()
        return reply

    async def _fall_back(self, request: AssistantRequest, reason: str) -> ProviderReply:
        reply = await self.fallback.reply(request)
        return replace(reply, fallback_reason=reason[:180])
