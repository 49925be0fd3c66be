"""Plans: what the super admin sells, the free plan everyone falls back to, and applying one.

Exactly one plan is the free plan (a partial unique index says so); it is
created by ``b2a init`` or the first time anything asks for it, and can be
edited but never deactivated. Applying a plan to a tenant copies its AI tier
and limits onto the tenant row, which is what the assistant's governance reads.
Editing a plan changes what later payments apply; tenants already on it keep
their limits (the super admin may have tuned them per tenant) until they pay again.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from b2a.audit import service as audit
from b2a.billing.rules import Interval, currency_code
from b2a.billing.schemas import PlanIn, PlanOut
from b2a.billing.tables import Plan
from b2a.db.integrity import is_unique_violation
from b2a.errors import Conflict, Invalid, NotFound
from b2a.tenants.actor import Actor
from b2a.tenants.rules import AITier, Role
from b2a.tenants.tables import Tenant

FREE_NAME = "Free"
FREE_DAILY, FREE_MONTHLY = 50, 1000


def plan_out(plan: Plan) -> PlanOut:
    """The API shape of a plan row."""
    return PlanOut(
        id=plan.id,
        name=plan.name,
        price_minor=plan.price_minor,
        currency=plan.currency,
        interval=plan.interval,
        local_price_minor=plan.local_price_minor,
        ai_tier=plan.ai_tier,
        ai_daily_limit=plan.ai_daily_limit,
        ai_monthly_limit=plan.ai_monthly_limit,
        trial_days=plan.trial_days,
        stripe_price_id=plan.stripe_price_id,
        is_free=plan.is_free,
        is_active=plan.is_active,
        display_order=plan.display_order,
    )


def _not_negative(value: int, field: str) -> int:
    if value < 0:
        raise Invalid(f"{field.replace('_', ' ')} cannot be negative.", field=field)
    return value


def _columns(data: PlanIn) -> dict[str, Any]:
    """The validated column values of a plan."""
    name = data.name.strip()
    if not 1 <= len(name) <= 80:
        raise Invalid("a plan needs a name of at most 80 characters.", field="name")
    price_id = data.stripe_price_id.strip()
    if price_id and not price_id.startswith("price_"):
        raise Invalid(
            "a Stripe price id starts with price_ (Stripe → Product catalogue → the price).",
            field="stripe_price_id",
        )
    if not 0 <= data.trial_days <= 730:
        raise Invalid("a trial lasts 0 to 730 days.", field="trial_days")
    return {
        "name": name,
        "price_minor": _not_negative(data.price_minor, "price_minor"),
        "currency": currency_code(data.currency),
        "interval": Interval(data.interval),
        "local_price_minor": _not_negative(data.local_price_minor, "local_price_minor"),
        "ai_tier": AITier(data.ai_tier),
        "ai_daily_limit": _not_negative(data.ai_daily_limit, "ai_daily_limit"),
        "ai_monthly_limit": _not_negative(data.ai_monthly_limit, "ai_monthly_limit"),
        "trial_days": data.trial_days,
        "stripe_price_id": price_id,
        "display_order": data.display_order,
    }


async def get_plan(plan_id: UUID | str) -> Plan:
    """A plan by id.

    Raises:
        NotFound: no such plan.
    """
    try:
        key = plan_id if isinstance(plan_id, UUID) else UUID(str(plan_id))
    except ValueError:
        raise NotFound("no such plan.", field="plan_id") from None
    plan = await Plan.objects().where(Plan.id == key).first()
    if plan is None:
        raise NotFound("no such plan.", field="plan_id")
    return plan


async def create_plan(actor: Actor, data: PlanIn) -> PlanOut:
    """Add a paid plan to the pricing page.

    Raises:
        Forbidden: the actor is not a super admin.
        Invalid: a field is out of range (``field`` names it).
    """
    actor.require()
    plan = Plan(**_columns(data), is_free=False, is_active=True)
    await plan.save()
    await audit.record(actor, "billing.plan.created", plan_id=str(plan.id), name=plan.name)
    return plan_out(plan)


async def update_plan(actor: Actor, plan_id: UUID, data: PlanIn) -> PlanOut:
    """Replace a plan's fields; the free plan stays free of charge and of trials.

    Raises:
        Forbidden: the actor is not a super admin.
        NotFound: no such plan.
        Invalid: a field is out of range, or the free plan was given a price.
    """
    actor.require()
    plan = await get_plan(plan_id)
    columns = _columns(data)
    if plan.is_free and (columns["price_minor"] or columns["local_price_minor"]):
        raise Invalid("the free plan has no price.", field="price_minor")
    if plan.is_free and columns["trial_days"]:
        raise Invalid("the free plan has no trial.", field="trial_days")
    for name, value in columns.items():
        setattr(plan, name, value)
    await plan.save()
    await audit.record(actor, "billing.plan.updated", plan_id=str(plan.id), name=plan.name)
    return plan_out(plan)


async def set_plan_active(actor: Actor, plan_id: UUID, active: bool) -> PlanOut:
    """Offer a plan again, or stop selling it; running subscriptions of it carry on.

    Raises:
        Forbidden: the actor is not a super admin.
        NotFound: no such plan.
        Conflict: the free plan cannot be deactivated.
    """
    actor.require()
    plan = await get_plan(plan_id)
    if plan.is_free and not active:
        raise Conflict("the free plan is where tenants fall back to; it stays active.")
    plan.is_active = active
    await plan.save([Plan.is_active])
    event = "billing.plan.activated" if active else "billing.plan.deactivated"
    await audit.record(actor, event, plan_id=str(plan.id), name=plan.name)
    return plan_out(plan)


async def reorder_plans(actor: Actor, plan_ids: list[UUID]) -> list[PlanOut]:
    """Put plans in this order on the pricing page; plans not listed keep their place after.

    Raises:
        Forbidden: the actor is not a super admin.
        NotFound: an id is not a plan.
    """
    actor.require()
    for position, plan_id in enumerate(plan_ids):
        plan = await get_plan(plan_id)
        await Plan.update({Plan.display_order: position}).where(Plan.id == plan.id)
    await audit.record(actor, "billing.plans.reordered", plan_ids=[str(p) for p in plan_ids])
    return await list_plans(actor)


async def list_plans(actor: Actor) -> list[PlanOut]:
    """Every plan, inactive ones too, in pricing-page order.

    Raises:
        Forbidden: the actor is not a super admin.
    """
    actor.require()
    await ensure_free_plan()
    return [plan_out(p) for p in await _ordered(Plan.objects())]


async def active_plans() -> list[PlanOut]:
    """The plans on the pricing page, in order (public: no actor)."""
    await ensure_free_plan()
    return [plan_out(p) for p in await _ordered(Plan.objects().where(Plan.is_active.eq(True)))]


async def pricing(actor: Actor) -> list[PlanOut]:
    """The plans a tenant admin can choose from.

    Raises:
        Forbidden: the actor is not a tenant admin.
    """
    actor.require(Role.TENANT_ADMIN)
    return await active_plans()


async def _ordered(query: Any) -> list[Plan]:
    return list(await query.order_by(Plan.display_order).order_by(Plan.price_minor))


async def ensure_free_plan() -> Plan:
    """The free plan, created with the SPEC's default limits if it does not exist yet."""
    plan = await Plan.objects().where(Plan.is_free.eq(True)).first()
    if plan is not None:
        return plan
    plan = Plan(
        name=FREE_NAME,
        price_minor=0,
        ai_tier=AITier.FREE,
        ai_daily_limit=FREE_DAILY,
        ai_monthly_limit=FREE_MONTHLY,
        is_free=True,
        is_active=True,
    )
    try:
        await plan.save()
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        # Another process created it at the same moment: use theirs.
        return await Plan.objects().where(Plan.is_free.eq(True)).first() or plan
    return plan


async def apply_plan(tenant_id: UUID, plan: Plan) -> None:
    """Give a tenant a plan's AI tier and daily and monthly limits."""
    await Tenant.update(
        {
            Tenant.plan: plan.id,
            Tenant.ai_tier: plan.ai_tier,
            Tenant.ai_daily_limit: plan.ai_daily_limit,
            Tenant.ai_monthly_limit: plan.ai_monthly_limit,
        }
    ).where(Tenant.id == tenant_id)
