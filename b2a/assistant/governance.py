"""Whether the assistant may answer at all, decided before any provider is called (SPEC §5).

Everything is read fresh on every turn, so a kill switch or a new limit takes
effect on the next customer message without a restart. The checks, in order:
the global kill switch, the tenant's status, its billing (an overdue payment
suspends the assistant: ``b2a.billing.enforcement``) and its own switch, then the
counters: replies today and this month (in the tenant's time zone, so they
reset at its local midnight and on the first of its month) and bursts per
minute and per hour.

What counts against the limits is every admitted turn (``COUNTED``): an answer,
a fallback, and a turn handed to the team. ``replies_used`` is that count; the
dashboard, billing, the admin panel and the API all show it, so the number a
person reads is the number the limit is checked against.

A turn in a sandbox chat (the team playing a test customer) is no customer's:
it never counts against the daily and monthly limits, so testing cannot use up
the plan, and a plan used up still lets the team test. The switches still
refuse it, and bursts are capped on counters of their own, so the sandbox
cannot pause the assistant for real customers nor run the provider unbounded.

The counters live in Redis and are reserved all together or not at all by one
Lua script, so concurrent workers never exceed a limit. A day or month counter
that Redis lost (restart, flush) is seeded again from the durable usage log
before it is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from b2a.assistant.tables import AIUsage
from b2a.billing.enforcement import Suspension, billing_suspension
from b2a.db.sql import Statement
from b2a.errors import NotFound
from b2a.lib import clock
from b2a.lib.redis import PREFIX
from b2a.system import switches
from b2a.tenants.rules import TenantStatus
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant

_NEW_USAGE = Statement(
    """INSERT INTO ai_usage (id, created_at, tenant, conversation, provider, model,
        prompt_tokens, completion_tokens, cost_micro_usd, latency_ms, confidence, intent,
        outcome, blocked_reason, sandbox)
    VALUES (:id, :at, :tenant, :conversation, :provider, :model, :prompt_tokens,
        :completion_tokens, :cost_micro_usd, :latency_ms, :confidence, :intent, :outcome,
        :blocked_reason, :sandbox)"""
)

BURST_PER_MINUTE = 20
BURST_PER_HOUR = 100
# Outcomes of turns that were admitted, and so count against the limits.
COUNTED = ("sent", "handoff", "blocked", "fallback")

# KEYS: the counters; ARGV: limit and ttl per key. Returns 0 when all were
# reserved, else the 1-based position of the first counter at its limit.
_RESERVE = """
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') >= tonumber(ARGV[2 * i - 1]) then
    return i
  end
end
for i, key in ipairs(KEYS) do
  redis.call('INCR', key)
  redis.call('EXPIRE', key, tonumber(ARGV[2 * i]))
end
return 0
"""


@dataclass(frozen=True)
class Policy:
    """A tenant's AI governance as it stands right now."""

    tenant_id: UUID
    time_zone: str
    active: bool
    ai_enabled: bool
    ai_enabled_globally: bool
    daily_limit: int
    monthly_limit: int
    per_minute: int = BURST_PER_MINUTE
    per_hour: int = BURST_PER_HOUR
    billing: Suspension | None = None


@dataclass(frozen=True)
class Used:
    """Assistant turns counted against the limits, today and this month (tenant's time zone)."""

    today: int
    this_month: int


@dataclass(frozen=True)
class Admission:
    """Allowed, or refused with a stable code and a reason the inbox shows."""

    allowed: bool
    code: str = ""
    reason: str = ""


async def load_policy(tenant_id: UUID) -> Policy:
    """The tenant's switches and limits, read now.

    Raises:
        NotFound: the tenant does not exist.
    """
    tenant = await Tenant.objects().where(Tenant.id == tenant_id).first()
    if tenant is None:
        raise NotFound("This business does not exist.")
    return await policy_from(
        tenant.id,
        time_zone=tenant.time_zone,
        status=tenant.status,
        ai_enabled=tenant.ai_enabled,
        daily_limit=tenant.ai_daily_limit,
        monthly_limit=tenant.ai_monthly_limit,
    )


async def policy_from(
    tenant_id: UUID,
    *,
    time_zone: str,
    status: str,
    ai_enabled: bool,
    daily_limit: int,
    monthly_limit: int,
) -> Policy:
    """``load_policy`` from the tenant's values the caller has just read (an assistant turn).

    The platform's switch and the billing state are read now.
    """
    return Policy(
        tenant_id=tenant_id,
        time_zone=time_zone,
        active=status == TenantStatus.ACTIVE,
        ai_enabled=ai_enabled,
        ai_enabled_globally=await switches.ai_enabled_globally(),
        daily_limit=daily_limit,
        monthly_limit=monthly_limit,
        billing=await billing_suspension(tenant_id),
    )


def standing_refusals(policy: Policy) -> list[Admission]:
    """Every switch that refuses the assistant now, whatever the counters say, in order.

    The settings page shows them to the tenant admin; ``admit`` refuses with the first.
    """
    refusals = []
    if not policy.ai_enabled_globally:
        refusals.append(
            Admission(
                False,
                "AI_DISABLED_GLOBALLY",
                "The platform operator has switched the assistant off.",
            )
        )
    if not policy.active:
        refusals.append(Admission(False, "TENANT_SUSPENDED", "This business is suspended."))
    if policy.billing is not None:
        refusals.append(Admission(False, policy.billing.code, policy.billing.reason))
    if not policy.ai_enabled:
        refusals.append(
            Admission(
                False,
                "AI_DISABLED_FOR_TENANT",
                "The platform operator has switched the assistant off for this business.",
            )
        )
    return refusals


Counter = tuple[str, int, int, str, str]
"""Redis key, limit, time to live in seconds, refusal code, refusal reason."""


async def admit(redis: Any, policy: Policy, *, now: datetime, sandbox: bool = False) -> Admission:
    """Reserve one assistant reply for the tenant, or say why it may not have one.

    A sandbox turn reserves only burst counters of its own (module docstring).
    """
    refusals = standing_refusals(policy)
    if refusals:
        return refusals[0]
    if sandbox:
        return await _reserve(redis, _bursts(policy, now, f"{PREFIX}ai:{policy.tenant_id}:sandbox"))
    local, midnight, first_of_month = _period_starts(policy.time_zone, now)
    next_month = (first_of_month + timedelta(days=32)).replace(day=1)
    base = f"{PREFIX}ai:{policy.tenant_id}"
    counters: list[Counter] = [
        (
            f"{base}:day:{local:%Y-%m-%d}",
            policy.daily_limit,
            _seconds_until(midnight + timedelta(days=1), local),
            "DAILY_LIMIT",
            f"The daily limit of {policy.daily_limit} AI replies was reached; it resets at "
            f"midnight ({policy.time_zone}).",
        ),
        (
            f"{base}:month:{local:%Y-%m}",
            policy.monthly_limit,
            _seconds_until(next_month, local),
            "MONTHLY_LIMIT",
            f"The monthly limit of {policy.monthly_limit} AI replies was reached; it resets on "
            f"the first of the month ({policy.time_zone}).",
        ),
        *_bursts(policy, now, base),
    ]
    await _seed(redis, policy.tenant_id, counters[0][0], counters[0][2], since=midnight)
    await _seed(redis, policy.tenant_id, counters[1][0], counters[1][2], since=first_of_month)
    return await _reserve(redis, counters)


def _bursts(policy: Policy, now: datetime, base: str) -> list[Counter]:
    epoch = int(now.timestamp())
    return [
        (
            f"{base}:minute:{epoch // 60}",
            policy.per_minute,
            120,
            "BURST_MINUTE",
            f"More than {policy.per_minute} AI replies in one minute; the assistant pauses "
            "until the minute is over.",
        ),
        (
            f"{base}:hour:{epoch // 3600}",
            policy.per_hour,
            7200,
            "BURST_HOUR",
            f"More than {policy.per_hour} AI replies in one hour; the assistant pauses until "
            "the hour is over.",
        ),
    ]


async def _reserve(redis: Any, counters: list[Counter]) -> Admission:
    """Take one of every counter, or none: refused by the first one at its limit."""
    keys = [key for key, *_ in counters]
    args = [value for _, limit, ttl, *_ in counters for value in (limit, ttl)]
    refused = int(await redis.eval(_RESERVE, len(keys), *keys, *args))
    if refused:
        _, _, _, code, reason = counters[refused - 1]
        return Admission(False, code, reason)
    return Admission(True)


async def _seed(redis: Any, tenant_id: UUID, key: str, ttl: int, *, since: datetime) -> None:
    if await redis.exists(key):
        return
    await redis.set(key, await _counted_since(tenant_id, since), ex=ttl, nx=True)


def _period_starts(time_zone: str, now: datetime) -> tuple[datetime, datetime, datetime]:
    """``now`` in the zone, its local midnight, and the first of its local month."""
    local = now.astimezone(ZoneInfo(time_zone or "UTC"))
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return local, midnight, midnight.replace(day=1)


async def _counted_since(tenant_id: UUID, since: datetime) -> int:
    """Turns counted against the limits since ``since``, from the durable usage log."""
    return await (
        TenantScope(tenant_id)
        .count(AIUsage)
        .where(
            (AIUsage.created_at >= since)
            & AIUsage.outcome.is_in(list(COUNTED))
            & AIUsage.sandbox.eq(False)
        )
    )


async def replies_used(tenant_id: UUID, time_zone: str, *, now: datetime) -> Used:
    """The usage every page shows: the count the daily and monthly limits are checked against.

    It is what ``admit`` seeds its counters with, read from the same log, so a
    page never shows a smaller number than the one that stops the assistant.
    """
    _, midnight, first_of_month = _period_starts(time_zone, now)
    return Used(
        today=await _counted_since(tenant_id, midnight),
        this_month=await _counted_since(tenant_id, first_of_month),
    )


def _seconds_until(end: datetime, local: datetime) -> int:
    return max(1, int((end - local).total_seconds()))


async def record_usage(
    scope: TenantScope,
    *,
    conversation_id: UUID | None,
    outcome: str,
    provider: str = "",
    model: str = "",
    prompt_tokens: int = 0,
    completion_tokens: int = 0,
    cost_micro_usd: int = 0,
    latency_ms: int = 0,
    confidence: float | None = None,
    intent: str = "",
    blocked_reason: str = "",
    sandbox: bool = False,
) -> None:
    """One row of the usage log per assistant turn, whatever its outcome."""
    await scope.execute(
        _NEW_USAGE,
        id=uuid4(),
        at=clock.now(),
        conversation=conversation_id,
        provider=provider[:40],
        model=model[:120],
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        cost_micro_usd=cost_micro_usd,
        latency_ms=latency_ms,
        confidence=confidence,
        intent=intent[:20],
        outcome=outcome[:12],
        blocked_reason=blocked_reason[:200],
        sandbox=sandbox,
    )
