"""The operator's controls on one tenant: its AI and WhatsApp switches, AI limits, tier and model.

These are governance, not settings: the tenant's admins see them (the settings
page lists the switches that stop the assistant) but only a super admin changes
them. The assistant and the session process read the tenant row fresh, so a
change applies to the next customer message and the next session start.
Applying a plan (``billing.plans.apply_plan``) writes the tier and limits again.
"""

from __future__ import annotations

from uuid import UUID

import msgspec

from b2a.audit import service as audit
from b2a.errors import Invalid
from b2a.tenants.actor import Actor
from b2a.tenants.rules import AITier
from b2a.tenants.service import find_tenant
from b2a.tenants.tables import Tenant

MAX_LIMIT = 1_000_000
MAX_MODEL = 120


class TenantControls(msgspec.Struct, kw_only=True):
    """What the operator decides for one tenant."""

    ai_enabled: bool
    whatsapp_enabled: bool
    ai_tier: AITier
    ai_model: str
    ai_daily_limit: int
    ai_monthly_limit: int


def tenant_controls(tenant: Tenant) -> TenantControls:
    """The controls as they stand on the tenant row."""
    return TenantControls(
        ai_enabled=tenant.ai_enabled,
        whatsapp_enabled=tenant.whatsapp_enabled,
        ai_tier=AITier(tenant.ai_tier),
        ai_model=tenant.ai_model,
        ai_daily_limit=tenant.ai_daily_limit,
        ai_monthly_limit=tenant.ai_monthly_limit,
    )


def _checked(controls: TenantControls) -> TenantControls:
    for name in ("ai_daily_limit", "ai_monthly_limit"):
        if not 0 <= getattr(controls, name) <= MAX_LIMIT:
            raise Invalid(f"a limit is a whole number from 0 to {MAX_LIMIT:,}.", field=name)
    if controls.ai_daily_limit > controls.ai_monthly_limit:
        raise Invalid("the daily limit cannot be above the monthly limit.", field="ai_daily_limit")
    model = controls.ai_model.strip()
    if len(model) > MAX_MODEL or any(c.isspace() for c in model):
        raise Invalid(
            f"a model name has at most {MAX_MODEL} characters and no spaces.", field="ai_model"
        )
    return msgspec.structs.replace(controls, ai_model=model)


async def set_tenant_controls(
    actor: Actor, tenant_id: UUID, controls: TenantControls
) -> TenantControls:
    """Change a tenant's switches, limits, tier and model; audited with what changed.

    Raises:
        Forbidden: the actor is not a super admin.
        NotFound: no such tenant.
        Invalid: a limit is out of range or the model name is unusable (``field`` names it).
    """
    actor.require()
    cleaned = _checked(controls)
    tenant = await find_tenant(str(tenant_id))
    before = msgspec.to_builtins(tenant_controls(tenant))
    after = msgspec.to_builtins(cleaned)
    changed = {name: value for name, value in after.items() if before[name] != value}
    if changed:
        await Tenant.update(
            {getattr(Tenant, name): value for name, value in changed.items()}
        ).where(Tenant.id == tenant.id)
        await audit.record(actor, "tenant.controls_changed", tenant_id=tenant.id, **changed)
    return cleaned
