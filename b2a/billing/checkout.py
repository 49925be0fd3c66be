"""Paying by card: a Stripe Checkout Session for a plan, and Stripe's customer portal.

Both are for the tenant admin of the tenant being paid for, which comes from
the ``Actor``, never from the request: the session carries that tenant's id as
``client_reference_id`` and in the subscription's metadata, and is opened for
the tenant's own Stripe customer (made at its first checkout). Nothing changes
here when the session opens; the plan is applied when Stripe's webhook says the
subscription is paid (``stripe_events``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from b2a.audit import service as audit
from b2a.billing.coupons import usable_coupon
from b2a.billing.periods import refuse_while_stripe_pays
from b2a.billing.plans import get_plan
from b2a.billing.schemas import CheckoutOut, PortalOut
from b2a.billing.stripe_api import calling_stripe
from b2a.billing.tables import Coupon, Plan, StripeCustomer, Subscription
from b2a.db.integrity import is_unique_violation
from b2a.errors import Conflict, Invalid
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant, User

if TYPE_CHECKING:
    import stripe
    from stripe.params import CustomerCreateParams
    from stripe.params.checkout import SessionCreateParams

BILLING_PAGE = "/app/billing"


def billing_url(base_url: str, query: str = "") -> str:
    """The tenant's billing page on this appliance, where Stripe sends the admin back."""
    return base_url.rstrip("/") + BILLING_PAGE + (f"?{query}" if query else "")


async def sellable_plan(plan_id: UUID | str) -> Plan:
    """A plan a tenant may buy: active and not the free one.

    Raises:
        NotFound: no such plan.
        Invalid: the plan is free or no longer sold.
    """
    plan = await get_plan(plan_id)
    if plan.is_free or not plan.is_active:
        raise Invalid(
            "this plan cannot be bought; choose one from the plans list.", field="plan_id"
        )
    return plan


async def start_checkout(
    actor: Actor,
    plan_id: UUID | str,
    *,
    coupon_code: str = "",
    stripe_client: stripe.StripeClient,
    base_url: str,
) -> CheckoutOut:
    """Open a Stripe Checkout Session that subscribes the actor's tenant to a plan.

    Raises:
        Forbidden: the actor is not a tenant admin.
        NotFound: no such plan.
        Invalid: the plan or coupon cannot be used by card.
        Conflict: the tenant already has a Stripe subscription (the portal changes it).
        Unavailable: Stripe cannot be reached or refused the key.
    """
    actor.require(Role.TENANT_ADMIN)
    tenant_id = actor.scope.tenant_id
    plan = await sellable_plan(plan_id)
    if plan.price_minor <= 0 and not plan.stripe_price_id:
        raise Invalid("this plan has no card price.", field="plan_id")
    coupon = await _card_coupon(coupon_code) if coupon_code.strip() else None
    await refuse_while_stripe_pays(tenant_id)
    customer = await _customer(actor, stripe_client)
    params = await _session_params(tenant_id, plan, coupon, customer, base_url)
    async with calling_stripe("opening the checkout"):
        session = await stripe_client.v1.checkout.sessions.create_async(params)
    await audit.record(
        actor,
        "billing.checkout.started",
        plan=plan.name,
        coupon=coupon.code if coupon else "",
        session_id=session.id,
    )
    return CheckoutOut(session_id=session.id, url=str(session.url))


async def open_portal(
    actor: Actor, *, stripe_client: stripe.StripeClient, base_url: str
) -> PortalOut:
    """A Stripe customer portal session for the actor's tenant (cards, invoices, cancel).

    Raises:
        Forbidden: the actor is not a tenant admin.
        Conflict: the tenant never paid by card, so Stripe knows no customer for it.
        Unavailable: Stripe cannot be reached or refused the key.
    """
    actor.require(Role.TENANT_ADMIN)
    customer = await _stored_customer(actor.scope.tenant_id)
    if customer is None:
        raise Conflict(
            "the billing portal opens once the business has paid by card; choose a plan first.",
            code="NO_STRIPE_CUSTOMER",
        )
    async with calling_stripe("opening the billing portal"):
        session = await stripe_client.v1.billing_portal.sessions.create_async(
            {"customer": customer, "return_url": billing_url(base_url)}
        )
    return PortalOut(url=str(session.url))


async def _card_coupon(code: str) -> Coupon:
    coupon = await usable_coupon(code)
    if not coupon.stripe_coupon_id:
        raise Invalid(
            f"the coupon {coupon.code} applies to manual payments only.",
            code="COUPON_NOT_FOR_CARDS",
            field="coupon_code",
        )
    return coupon


async def _session_params(
    tenant_id: UUID, plan: Plan, coupon: Coupon | None, customer: str, base_url: str
) -> SessionCreateParams:
    metadata = {"tenant_id": str(tenant_id), "plan_id": str(plan.id)}
    params: SessionCreateParams = {
        "mode": "subscription",
        "customer": customer,
        "client_reference_id": str(tenant_id),
        "line_items": [_line_item(plan)],
        "success_url": billing_url(base_url, "checkout=success&session_id={CHECKOUT_SESSION_ID}"),
        "cancel_url": billing_url(base_url, "checkout=canceled"),
        "metadata": {**metadata, "coupon": coupon.code if coupon else ""},
        "subscription_data": {"metadata": metadata},
    }
    if plan.trial_days and not await TenantScope(tenant_id).exists(Subscription):
        # One trial per business: only its first subscription starts with one.
        params["subscription_data"]["trial_period_days"] = plan.trial_days
    if coupon is not None:
        params["discounts"] = [{"coupon": coupon.stripe_coupon_id}]
    return params


def _line_item(plan: Plan) -> Any:
    """The plan's Stripe price, or the price written inline when the plan names none."""
    if plan.stripe_price_id:
        return {"price": plan.stripe_price_id, "quantity": 1}
    return {
        "price_data": {
            "currency": plan.currency.lower(),
            "unit_amount": plan.price_minor,
            "recurring": {"interval": plan.interval},
            "product_data": {"name": plan.name},
        },
        "quantity": 1,
    }


async def _stored_customer(tenant_id: UUID) -> str | None:
    row = (
        await StripeCustomer.select(StripeCustomer.customer_id)
        .where(StripeCustomer.tenant == tenant_id)
        .first()
    )
    return str(row["customer_id"]) if row else None


async def _customer(actor: Actor, stripe_client: stripe.StripeClient) -> str:
    """The tenant's Stripe customer id, created at its first checkout."""
    tenant_id = actor.scope.tenant_id
    existing = await _stored_customer(tenant_id)
    if existing:
        return existing
    tenant = await Tenant.objects().where(Tenant.id == tenant_id).first()
    admin = await User.objects().where(User.id == actor.user_id).first()
    params: CustomerCreateParams = {
        "name": tenant.name if tenant else "",
        "metadata": {"tenant_id": str(tenant_id)},
    }
    if admin is not None:
        params["email"] = admin.email
    async with calling_stripe("creating the customer"):
        created = await stripe_client.v1.customers.create_async(params)
    try:
        await StripeCustomer.insert(StripeCustomer(tenant=tenant_id, customer_id=created.id))
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        # A second checkout at the same moment stored its customer first: use that one.
        return await _stored_customer(tenant_id) or created.id
    return str(created.id)
