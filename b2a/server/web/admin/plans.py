"""Plans: what the operator sells. Create, edit, deactivate (or offer again) and reorder.

Prices are typed as decimals (``12.50``) in the plan's currency, the local
price in the manual-payment currency (``billing.local``); both are stored in
minor units. The free plan can be edited but not priced or deactivated.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Response, get, post
from litestar.params import FromPath

from b2a.billing import plans
from b2a.billing.config import local_payments
from b2a.billing.rules import Interval
from b2a.billing.schemas import PlanIn, PlanOut
from b2a.catalog.money import decimal_price, normalise_currency, parse_price
from b2a.errors import B2AError, Invalid
from b2a.server.flash import flash
from b2a.server.web._pages import current_actor, form_data, form_error, page, redirect
from b2a.server.web.admin._common import ADMIN, AnyRequest, whole_number
from b2a.tenants.rules import AITier

PAGE = "/admin/plans"
LIST = "admin/plans.html"
EDIT = "admin/plan.html"


async def _context(request: AnyRequest, **context: Any) -> dict[str, Any]:
    return {
        "plans": await plans.list_plans(await current_actor(request)),
        "local": await local_payments(),
        "tiers": [t.value for t in AITier],
        "intervals": [i.value for i in Interval],
        **context,
    }


async def _plan_in(values: dict[str, str]) -> PlanIn:
    """The form as a plan; prices typed as decimals in their currencies."""
    currency = normalise_currency(values.get("currency", "USD"))
    local = (await local_payments()).currency
    interval, tier = values.get("interval", ""), values.get("ai_tier", "")
    if interval not in {i.value for i in Interval}:
        raise Invalid("choose monthly or yearly.", field="interval")
    if tier not in AITier.__members__:
        raise Invalid("choose one of the tiers.", field="ai_tier")
    return PlanIn(
        name=values.get("name", ""),
        price_minor=parse_price(values.get("price", "") or "0", currency, field="price"),
        currency=currency,
        interval=Interval(interval),
        local_price_minor=parse_price(
            values.get("local_price", "") or "0", local, field="local_price"
        ),
        ai_tier=AITier(tier),
        ai_daily_limit=whole_number(values, "ai_daily_limit"),
        ai_monthly_limit=whole_number(values, "ai_monthly_limit"),
        trial_days=whole_number(values, "trial_days"),
        stripe_price_id=values.get("stripe_price_id", ""),
        display_order=whole_number(values, "display_order", default="0"),
    )


def _form_values(plan: PlanOut, local_currency: str) -> dict[str, str]:
    """A plan as its edit form shows it."""
    return {
        "name": plan.name,
        "price": decimal_price(plan.price_minor, plan.currency),
        "currency": plan.currency,
        "interval": plan.interval,
        "local_price": decimal_price(plan.local_price_minor, local_currency),
        "ai_tier": plan.ai_tier,
        "ai_daily_limit": str(plan.ai_daily_limit),
        "ai_monthly_limit": str(plan.ai_monthly_limit),
        "trial_days": str(plan.trial_days),
        "stripe_price_id": plan.stripe_price_id,
        "display_order": str(plan.display_order),
    }


# The domain names the stored columns; the form types prices as decimals under other names.
FORM_FIELDS = {"price_minor": "price", "local_price_minor": "local_price"}


def _on_form(exc: B2AError) -> B2AError:
    """The error, naming the form's field rather than the column."""
    exc.field = FORM_FIELDS.get(exc.field or "", exc.field)
    return exc


NEW_PLAN = {
    "currency": "USD",
    "interval": "month",
    "ai_tier": "LOW",
    "ai_daily_limit": "200",
    "ai_monthly_limit": "5000",
    "trial_days": "0",
}


@get(PAGE, opt=ADMIN, name="admin-plans")
async def plans_page(request: AnyRequest) -> Response[Any]:
    """Every plan in pricing-page order, and the form for a new one."""
    return await page(request, LIST, **await _context(request, values=NEW_PLAN))


@post(PAGE, opt=ADMIN)
async def create_plan(request: AnyRequest) -> Response[Any]:
    """Add a plan to the pricing page."""
    values = await form_data(request)
    try:
        plan = await plans.create_plan(await current_actor(request), await _plan_in(values))
    except B2AError as exc:
        context = await _context(request, values=values)
        return await form_error(request, LIST, _on_form(exc), **context)
    await flash(request, f"The plan {plan.name} is on sale.")
    return redirect(request, PAGE)


@get(f"{PAGE}/{{plan_id:uuid}}", opt=ADMIN, name="admin-plan")
async def plan_page(request: AnyRequest, plan_id: FromPath[UUID]) -> Response[Any]:
    """One plan's edit form."""
    await current_actor(request)
    plan = plans.plan_out(await plans.get_plan(plan_id))
    values = _form_values(plan, (await local_payments()).currency)
    return await page(request, EDIT, **await _context(request, plan=plan, values=values))


@post(f"{PAGE}/{{plan_id:uuid}}", opt=ADMIN)
async def update_plan(request: AnyRequest, plan_id: FromPath[UUID]) -> Response[Any]:
    """Save a plan's fields; tenants already on it keep their limits until they pay again."""
    values = await form_data(request)
    actor = await current_actor(request)
    try:
        plan = await plans.update_plan(actor, plan_id, await _plan_in(values))
    except B2AError as exc:
        current = plans.plan_out(await plans.get_plan(plan_id))
        context = await _context(request, plan=current, values=values)
        return await form_error(request, EDIT, _on_form(exc), **context)
    await flash(request, f"The plan {plan.name} is saved.")
    return redirect(request, PAGE)


@post(f"{PAGE}/{{plan_id:uuid}}/active", opt=ADMIN)
async def set_active(request: AnyRequest, plan_id: FromPath[UUID]) -> Response[Any]:
    """Stop selling a plan, or sell it again."""
    active = (await form_data(request)).get("active") == "true"
    try:
        plan = await plans.set_plan_active(await current_actor(request), plan_id, active)
    except B2AError as exc:
        return await form_error(request, LIST, exc, **await _context(request, values=NEW_PLAN))
    await flash(request, f"{plan.name} is {'on sale again' if active else 'no longer on sale'}.")
    return redirect(request, PAGE)


@post(f"{PAGE}/{{plan_id:uuid}}/move", opt=ADMIN)
async def move_plan(request: AnyRequest, plan_id: FromPath[UUID]) -> Response[Any]:
    """Move a plan one place up or down the pricing page."""
    actor = await current_actor(request)
    step = -1 if (await form_data(request)).get("direction") == "up" else 1
    order = [plan.id for plan in await plans.list_plans(actor)]
    if plan_id not in order:
        raise Invalid("no such plan.", field="plan_id")
    here = order.index(plan_id)
    there = min(max(here + step, 0), len(order) - 1)
    order[here], order[there] = order[there], order[here]
    await plans.reorder_plans(actor, order)
    return redirect(request, PAGE)


HANDLERS = [plans_page, create_plan, plan_page, update_plan, set_active, move_plan]
