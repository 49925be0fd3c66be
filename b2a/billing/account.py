"""A tenant's billing as its admin sees it: plan, subscription, usage, warnings, history.

The history merges the tenant's manual payments with the Stripe invoices its
webhook events reported (the newest event per invoice), so it needs no call to
Stripe. Usage is ``governance.replies_used``: the count the limits are checked
against, since midnight and since the first of the month in the tenant's time zone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from b2a.assistant.governance import replies_used
from b2a.billing.manual import list_manual_payments
from b2a.billing.periods import current_subscription, subscription_out
from b2a.billing.plans import ensure_free_plan, get_plan, plan_out
from b2a.billing.rules import (
    METHOD_NAMES,
    ManualMethod,
    PaymentProvider,
    ReviewStatus,
    SubscriptionStatus,
    Suspension,
    suspension,
)
from b2a.billing.schemas import BillingOverview, PaymentRecord, Usage
from b2a.billing.stripe_events import INVOICE_EVENTS
from b2a.billing.tables import StripeEvent, Subscription
from b2a.catalog.money import format_amount
from b2a.db.columns import json_value
from b2a.errors import NotFound
from b2a.lib import clock
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant


async def billing_overview(actor: Actor, *, reminder_days: int = 7) -> BillingOverview:
    """The tenant's plan, current subscription, AI usage and what needs its admin's attention.

    Raises:
        Forbidden: the actor is not a tenant admin.
    """
    actor.require(Role.TENANT_ADMIN)
    tenant = await _tenant(actor.scope.tenant_id)
    subscription = await current_subscription(tenant.id)
    plan = await get_plan(subscription.plan) if subscription else await ensure_free_plan()
    now = clock.now()
    block = (
        suspension(SubscriptionStatus(subscription.status), subscription.grace_until, now)
        if subscription
        else None
    )
    pending = await list_manual_payments(actor, status=ReviewStatus.PENDING)
    return BillingOverview(
        plan=plan_out(plan),
        subscription=subscription_out(subscription, plan) if subscription else None,
        usage=await _usage(tenant, now),
        suspended=block is not None,
        suspension_code=block.code if block else "",
        warnings=[
            *_warnings(subscription, block, now.astimezone(_zone(tenant)), reminder_days),
            *(
                f"The payment {p.reference} ({format_amount(p.amount_minor, p.currency)}) "
                "is waiting for review."
                for p in pending
            ),
        ],
    )


async def _tenant(tenant_id: UUID) -> Tenant:
    tenant = await Tenant.objects().where(Tenant.id == tenant_id).first()
    if tenant is None:
        raise NotFound("no such tenant.")
    return tenant


def _zone(tenant: Tenant) -> ZoneInfo:
    return ZoneInfo(tenant.time_zone or "UTC")


def _warnings(
    subscription: Subscription | None, block: Suspension | None, now: datetime, reminder_days: int
) -> list[str]:
    """Plain-words notices for the billing page, most urgent first; dates in ``now``'s zone."""
    if subscription is None:
        return []
    zone = now.tzinfo
    if block is not None:
        return [block.reason]
    status, end = SubscriptionStatus(subscription.status), subscription.current_period_end
    if status is SubscriptionStatus.PAST_DUE and subscription.grace_until:
        return [
            "The last card payment failed. Update the card in the billing portal before "
            f"{subscription.grace_until.astimezone(zone):%d %B %Y}, or AI replies and sending "
            "will pause then."
        ]
    if status is SubscriptionStatus.TRIALING and subscription.trial_end:
        return [f"The free trial runs until {subscription.trial_end.astimezone(zone):%d %B %Y}."]
    if subscription.cancel_at_period_end and end:
        return [
            f"The subscription ends on {end.astimezone(zone):%d %B %Y}; the business then moves "
            "to the free plan."
        ]
    manual = subscription.provider == PaymentProvider.MANUAL
    if manual and end and end - now <= timedelta(days=reminder_days):
        return [
            f"The plan is paid until {end.astimezone(zone):%d %B %Y}. Pay again and submit the "
            "payment before then to keep it."
        ]
    return []


async def _usage(tenant: Tenant, now: datetime) -> Usage:
    used = await replies_used(tenant.id, tenant.time_zone, now=now)
    return Usage(
        ai_tier=tenant.ai_tier,
        ai_replies_today=used.today,
        ai_daily_limit=tenant.ai_daily_limit,
        ai_replies_this_month=used.this_month,
        ai_monthly_limit=tenant.ai_monthly_limit,
    )


async def payment_history(actor: Actor) -> list[PaymentRecord]:
    """Stripe invoices and manual payments of the tenant, newest first.

    Raises:
        Forbidden: the actor is not a tenant admin.
    """
    actor.require(Role.TENANT_ADMIN)
    manual = [
        PaymentRecord(
            kind="manual",
            id=str(p.id),
            at=p.created_at,
            amount_minor=p.amount_minor,
            currency=p.currency,
            status=p.status,
            description=f"{p.plan_name} by {_method_in_a_sentence(p.method)} ({p.reference})",
            url="",
        )
        for p in await list_manual_payments(actor)
    ]
    records = manual + await _invoices(actor.scope)
    return sorted(records, key=lambda r: r.at, reverse=True)


def _method_in_a_sentence(method: str) -> str:
    """EasyPaisa and JazzCash are names; "bank transfer" is not, so it reads in lower case."""
    name = METHOD_NAMES[ManualMethod(method)]
    return name.lower() if method == ManualMethod.BANK_TRANSFER else name


async def _invoices(scope: TenantScope) -> list[PaymentRecord]:
    rows = await scope.select(StripeEvent, StripeEvent.payload).where(
        StripeEvent.type.is_in(list(INVOICE_EVENTS))
    )
    newest: dict[str, dict[str, Any]] = {}
    for row in rows:
        event = json_value(row["payload"])
        invoice = event["data"]["object"]
        seen = newest.get(invoice["id"])
        if seen is None or event["created"] >= seen["created"]:
            newest[invoice["id"]] = {"created": event["created"], "invoice": invoice}
    return [_invoice_record(item["invoice"]) for item in newest.values()]


def _invoice_record(invoice: dict[str, Any]) -> PaymentRecord:
    paid = invoice.get("status") == "paid"
    return PaymentRecord(
        kind="invoice",
        id=str(invoice["id"]),
        at=datetime.fromtimestamp(int(invoice.get("created") or 0), UTC),
        amount_minor=int((invoice.get("amount_paid") if paid else invoice.get("amount_due")) or 0),
        currency=str(invoice.get("currency", "")).upper(),
        status="PAID" if paid else "FAILED",
        description=f"Invoice {invoice.get('number') or invoice['id']}",
        url=str(invoice.get("hosted_invoice_url") or ""),
    )
