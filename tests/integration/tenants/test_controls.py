"""The operator's per-tenant controls: switches, limits, tier, model; super admins only."""

import pytest

from b2a.assistant.governance import load_policy, standing_refusals
from b2a.audit.tables import AuditEntry
from b2a.db.columns import json_value
from b2a.errors import Forbidden, Invalid
from b2a.tenants.actor import Actor
from b2a.tenants.controls import TenantControls, set_tenant_controls, tenant_controls
from b2a.tenants.rules import AITier
from b2a.tenants.service import list_tenants
from b2a.tenants.tables import Tenant

OPERATOR = Actor.operator("tests")


def _controls(**changes):
    fields = {
        "ai_enabled": True,
        "whatsapp_enabled": True,
        "ai_tier": AITier.FREE,
        "ai_model": "",
        "ai_daily_limit": 50,
        "ai_monthly_limit": 1000,
    }
    return TenantControls(**{**fields, **changes})


async def _acme(cast):
    return await Tenant.objects().where(Tenant.id == cast.acme_owner.tenant_id).first()


async def test_controls_are_stored_audited_and_read_by_governance(cast):
    acme = cast.acme_owner.tenant_id
    wanted = _controls(ai_enabled=False, ai_tier=AITier.HIGH, ai_model=" gpt-4o ", ai_daily_limit=9)
    saved = await set_tenant_controls(OPERATOR, acme, wanted)
    assert saved.ai_model == "gpt-4o"
    assert tenant_controls(await _acme(cast)) == saved
    policy = await load_policy(acme)
    assert policy.daily_limit == 9
    assert [r.code for r in standing_refusals(policy)] == ["AI_DISABLED_FOR_TENANT"]
    entry = await AuditEntry.objects().where(AuditEntry.event == "tenant.controls_changed").first()
    assert entry.tenant == acme
    assert set(json_value(entry.detail)) == {"ai_enabled", "ai_tier", "ai_model", "ai_daily_limit"}
    await set_tenant_controls(OPERATOR, acme, saved)
    assert await AuditEntry.count().where(AuditEntry.event == "tenant.controls_changed") == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ai_daily_limit": -1}, "ai_daily_limit"),
        ({"ai_monthly_limit": 2_000_000}, "ai_monthly_limit"),
        ({"ai_daily_limit": 100, "ai_monthly_limit": 99}, "ai_daily_limit"),
        ({"ai_model": "gpt 4"}, "ai_model"),
        ({"ai_model": "m" * 121}, "ai_model"),
    ],
)
async def test_unusable_controls_are_refused_on_their_field(cast, changes, field):
    with pytest.raises(Invalid) as refused:
        await set_tenant_controls(OPERATOR, cast.acme_owner.tenant_id, _controls(**changes))
    assert refused.value.field == field
    assert (await _acme(cast)).ai_daily_limit == 50


async def test_only_a_super_admin_sets_controls(cast):
    with pytest.raises(Forbidden):
        await set_tenant_controls(
            cast.acme_owner.actor, cast.acme_owner.tenant_id, _controls(ai_daily_limit=999)
        )
    assert (await _acme(cast)).ai_daily_limit == 50


async def test_tenants_are_searched_by_name_or_slug(cast):
    assert [t.name for t in await list_tenants(search="ACM")] == ["Acme"]
    assert [t.name for t in await list_tenants(search="globex")] == ["Globex"]
    assert len(await list_tenants(search="  ")) == 2
    assert await list_tenants(search="nobody") == []
