"""Governance decides before any provider call: switches, daily/monthly limits, bursts."""

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from b2a.assistant import governance
from b2a.errors import Forbidden
from b2a.lib import clock
from b2a.system import switches
from b2a.tenants import service as tenants
from b2a.tenants.actor import Actor
from b2a.tenants.rules import TenantStatus
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant

KARACHI = "Asia/Karachi"  # UTC+5, no daylight saving


async def _policy(tenant_id, **limits):
    await Tenant.update({Tenant.time_zone: KARACHI}).where(Tenant.id == tenant_id)
    return replace(await governance.load_policy(tenant_id), **limits)


async def _admit_many(redis, policy, now, times):
    return [await governance.admit(redis, policy, now=now) for _ in range(times)]


async def test_the_daily_limit_resets_at_the_tenants_local_midnight(cast, db, redis):
    policy = await _policy(cast.acme_owner.tenant_id, daily_limit=2)
    # 23:50 in Karachi is 18:50 UTC; midnight in Karachi is 19:00 UTC.
    late = datetime(2026, 3, 10, 18, 50, tzinfo=UTC)
    allowed = await _admit_many(redis, policy, late, 2)
    refused = await governance.admit(redis, policy, now=late + timedelta(minutes=5))
    after_midnight = await governance.admit(redis, policy, now=late + timedelta(minutes=11))

    assert all(a.allowed for a in allowed)
    assert (refused.allowed, refused.code) == (False, "DAILY_LIMIT")
    assert KARACHI in refused.reason
    assert after_midnight.allowed


async def test_the_monthly_limit_resets_on_the_first_of_the_local_month(cast, db, redis):
    policy = await _policy(cast.acme_owner.tenant_id, monthly_limit=3)
    # 31 January, 23:00 in Karachi (18:00 UTC), one reply a day for three days before.
    days = [datetime(2026, 1, d, 18, 0, tzinfo=UTC) for d in (29, 30, 31)]
    for day in days:
        assert (await governance.admit(redis, policy, now=day)).allowed
    refused = await governance.admit(redis, policy, now=days[-1] + timedelta(minutes=30))
    # 19:00 UTC on 31 January is already 1 February in Karachi.
    february = await governance.admit(redis, policy, now=days[-1] + timedelta(hours=1, minutes=1))

    assert refused.code == "MONTHLY_LIMIT"
    assert february.allowed


async def test_bursts_pause_the_assistant_until_the_minute_or_hour_is_over(cast, db, redis):
    policy = await _policy(cast.acme_owner.tenant_id, daily_limit=1000, monthly_limit=10_000)
    start = datetime(2026, 5, 4, 10, 0, 5, tzinfo=UTC)
    first_minute = await _admit_many(redis, policy, start, 20)
    over = await governance.admit(redis, policy, now=start + timedelta(seconds=30))
    assert all(a.allowed for a in first_minute)
    assert over.code == "BURST_MINUTE"

    for minute in range(1, 5):
        await _admit_many(redis, policy, start + timedelta(minutes=minute), 20)
    hour_over = await governance.admit(redis, policy, now=start + timedelta(minutes=6))
    next_hour = await governance.admit(redis, policy, now=start + timedelta(hours=1))

    assert hour_over.code == "BURST_HOUR"
    assert next_hour.allowed


async def test_concurrent_workers_never_exceed_a_limit(cast, db, redis):
    policy = await _policy(cast.acme_owner.tenant_id, daily_limit=7)
    now = clock.now()
    results = await asyncio.gather(*(governance.admit(redis, policy, now=now) for _ in range(40)))
    assert sum(r.allowed for r in results) == 7


async def test_a_refused_reply_reserves_nothing(cast, db, redis):
    # The minute burst refuses; the day counter must not have moved for it.
    policy = await _policy(cast.acme_owner.tenant_id, per_minute=1, daily_limit=5)
    now = datetime(2026, 5, 4, 10, 0, 5, tzinfo=UTC)
    await governance.admit(redis, policy, now=now)
    for _ in range(3):
        assert (await governance.admit(redis, policy, now=now)).code == "BURST_MINUTE"
    later = [await governance.admit(redis, policy, now=now + timedelta(minutes=m)) for m in (1, 2)]
    assert all(a.allowed for a in later)


async def test_counters_lost_by_redis_are_seeded_again_from_the_usage_log(cast, db, redis):
    scope = TenantScope(cast.acme_owner.tenant_id)
    for outcome in ("sent", "handoff", "refused"):
        await governance.record_usage(scope, conversation_id=None, outcome=outcome)
    policy = replace(await governance.load_policy(scope.tenant_id), daily_limit=3)
    # Two admitted turns already logged (a refused one is not counted): one left.
    await redis.flushdb()
    assert (await governance.admit(redis, policy, now=clock.now())).allowed
    assert (await governance.admit(redis, policy, now=clock.now())).code == "DAILY_LIMIT"


async def test_switches_take_effect_on_the_next_message_without_a_restart(cast, db, redis):
    tenant_id = cast.acme_owner.tenant_id
    operator = Actor.operator("tests")

    await switches.set_ai_globally(operator, False)
    global_off = await governance.admit(
        redis, await governance.load_policy(tenant_id), now=clock.now()
    )
    await switches.set_ai_globally(operator, True)
    await Tenant.update({Tenant.ai_enabled: False}).where(Tenant.id == tenant_id)
    tenant_off = await governance.admit(
        redis, await governance.load_policy(tenant_id), now=clock.now()
    )
    await Tenant.update({Tenant.ai_enabled: True}).where(Tenant.id == tenant_id)
    await tenants.set_tenant_status(operator, tenant_id, TenantStatus.SUSPENDED)
    suspended = await governance.admit(
        redis, await governance.load_policy(tenant_id), now=clock.now()
    )
    await tenants.set_tenant_status(operator, tenant_id, TenantStatus.ACTIVE)
    back_on = await governance.admit(
        redis, await governance.load_policy(tenant_id), now=clock.now()
    )

    assert [global_off.code, tenant_off.code, suspended.code] == [
        "AI_DISABLED_GLOBALLY",
        "AI_DISABLED_FOR_TENANT",
        "TENANT_SUSPENDED",
    ]
    assert back_on.allowed


async def test_only_a_super_admin_flips_the_global_switch(cast, db):
    with pytest.raises(Forbidden):
        await switches.set_ai_globally(cast.acme_owner.actor, False)
    assert await switches.ai_enabled_globally()
