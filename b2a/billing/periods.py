"""Subscriptions and their periods: which one holds a tenant's plan, and when it ends.

A tenant's *current* subscription is its newest live one (TRIALING, ACTIVE,
PAST_DUE or UNPAID); without one the tenant is on the free plan. Stripe moves
its subscriptions itself (``stripe_events``); a manual payment buys a period
that ends at ``current_period_end``: paying again for the same plan extends it
from its end, another plan replaces it from now. An hourly job reminds tenant
admins ``B2A_BILLING_REMINDER_DAYS`` before a manual period ends (once per
period) and moves an ended one to CANCELED, which puts the tenant back on the
free plan unless something else still pays.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from b2a.audit import service as audit
from b2a.billing.plans import apply_plan, ensure_free_plan, plan_out
from b2a.billing.rules import LIVE, Interval, PaymentProvider, SubscriptionStatus, add_interval
from b2a.billing.schemas import SubscriptionOut
from b2a.billing.tables import Plan, Subscription
from b2a.errors import Conflict
from b2a.lib import clock, queue
from b2a.system.email import SEND_EMAIL
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant, User

log = logging.getLogger("b2a.billing")
SYSTEM = Actor.operator("billing")


@dataclass(frozen=True)
class PeriodRun:
    """What one run of the period job did."""

    reminded: int
    expired: int


def _live() -> Any:
    return Subscription.status.is_in(list(LIVE))


async def current_subscription(tenant_id: UUID) -> Subscription | None:
    """The subscription that holds the tenant's plan now, or None (the free plan)."""
    return (
        await TenantScope(tenant_id)
        .objects(Subscription)
        .where(_live())
        .order_by(Subscription.created_at, ascending=False)
        .first()
    )


async def refuse_while_stripe_pays(tenant_id: UUID) -> None:
    """Stop a second way of paying while a Stripe subscription is running.

    Raises:
        Conflict: a Stripe subscription is live (``SUBSCRIPTION_EXISTS``).
    """
    running = (
        await TenantScope(tenant_id)
        .exists(Subscription)
        .where(_live() & (Subscription.provider == PaymentProvider.STRIPE))
    )
    if running:
        raise Conflict(
            "this business already pays by card through Stripe: change or cancel that plan in "
            "the billing portal first.",
            code="SUBSCRIPTION_EXISTS",
        )


def subscription_out(subscription: Subscription, plan: Plan) -> SubscriptionOut:
    """The API shape of a subscription row and its plan."""
    return SubscriptionOut(
        id=subscription.id,
        plan=plan_out(plan),
        provider=subscription.provider,
        status=subscription.status,
        current_period_start=subscription.current_period_start,
        current_period_end=subscription.current_period_end,
        trial_end=subscription.trial_end,
        grace_until=subscription.grace_until,
        cancel_at_period_end=subscription.cancel_at_period_end,
        created_at=subscription.created_at,
    )


async def end_manual_periods(tenant_id: UUID, *, keep: UUID | None = None) -> int:
    """End the tenant's live manual periods (a newer subscription took over); how many."""
    condition = _live() & (Subscription.provider == PaymentProvider.MANUAL)
    if keep is not None:
        condition = condition & (Subscription.id != keep)
    ended = (
        await TenantScope(tenant_id)
        .update(Subscription, {Subscription.status: SubscriptionStatus.CANCELED})
        .where(condition)
        .returning(Subscription.id)
    )
    return len(ended)


async def fall_back_to_free(tenant_id: UUID) -> bool:
    """Put the tenant on the free plan unless a live subscription still pays; whether it did."""
    if await current_subscription(tenant_id) is not None:
        return False
    await apply_plan(tenant_id, await ensure_free_plan())
    return True


async def start_manual_period(tenant_id: UUID, plan: Plan, *, coupon: UUID | None) -> Subscription:
    """The period an approved manual payment buys: an extension of the same plan, or a new one.

    Runs inside the approval's transaction, after the tenant row is locked.
    """
    now = clock.now()
    scope = TenantScope(tenant_id)
    running = (
        await scope.objects(Subscription)
        .where(
            _live()
            & (Subscription.provider == PaymentProvider.MANUAL)
            & (Subscription.plan == plan.id)
        )
        .order_by(Subscription.current_period_end, ascending=False)
        .first()
    )
    interval = Interval(plan.interval)
    if running is not None and running.current_period_end and running.current_period_end > now:
        running.current_period_end = add_interval(running.current_period_end, interval)
        running.renewal_reminded_at = None
        await running.save([Subscription.current_period_end, Subscription.renewal_reminded_at])
        await end_manual_periods(tenant_id, keep=running.id)
        return running
    period = scope.new(
        Subscription,
        plan=plan.id,
        provider=PaymentProvider.MANUAL,
        status=SubscriptionStatus.ACTIVE,
        current_period_start=now,
        current_period_end=add_interval(now, interval),
        coupon=coupon,
    )
    await end_manual_periods(tenant_id)
    await period.save()
    return period


async def run_periods(*, reminder_days: int) -> PeriodRun:
    """Remind tenants of manual periods ending soon, and end the periods that have ended."""
    now = clock.now()
    reminded = 0
    for subscription in await _due_reminders(now + timedelta(days=reminder_days), now):
        reminded += await _remind(subscription, now)
    expired = 0
    for subscription in await _ended(now):
        expired += await _expire(subscription)
    return PeriodRun(reminded, expired)


def _manual_active() -> Any:
    return (Subscription.provider == PaymentProvider.MANUAL) & (
        Subscription.status == SubscriptionStatus.ACTIVE
    )


async def _due_reminders(horizon: datetime, now: datetime) -> list[Subscription]:
    return list(
        await Subscription.objects().where(
            _manual_active()
            & Subscription.renewal_reminded_at.is_null()
            & (Subscription.current_period_end <= horizon)
            & (Subscription.current_period_end > now)
        )
    )


async def _ended(now: datetime) -> list[Subscription]:
    return list(
        await Subscription.objects().where(
            _manual_active() & (Subscription.current_period_end <= now)
        )
    )


async def _remind(subscription: Subscription, now: datetime) -> int:
    """Claim the period's one reminder, then queue an email to each tenant admin."""
    scope = TenantScope(subscription.tenant)
    claimed = (
        await scope.update(Subscription, {Subscription.renewal_reminded_at: now})
        .where((Subscription.id == subscription.id) & Subscription.renewal_reminded_at.is_null())
        .returning(Subscription.id)
    )
    if not claimed:
        return 0
    plan = await Plan.objects().where(Plan.id == subscription.plan).first()
    tenant = await Tenant.objects().where(Tenant.id == subscription.tenant).first()
    if plan is None or tenant is None or subscription.current_period_end is None:
        return 0
    ends = subscription.current_period_end
    local = ends.astimezone(ZoneInfo(tenant.time_zone or "UTC"))
    admins = await _admin_emails(subscription.tenant)
    try:
        for email in admins:
            await queue.enqueue(
                SEND_EMAIL,
                key=f"renewal-reminder:{subscription.id}:{ends:%Y%m%d}:{email}",
                to=email,
                subject=f"{tenant.name}: your {plan.name} plan ends on {local:%d %B %Y}",
                text=_reminder_body(tenant.name, plan.name, local),
            )
    except Exception:
        # Not queued: give the claim back so the next run tries again (keys drop repeats).
        await scope.update(Subscription, {Subscription.renewal_reminded_at: None}).where(
            Subscription.id == subscription.id
        )
        raise
    await audit.record(
        SYSTEM,
        "billing.renewal_reminded",
        tenant_id=subscription.tenant,
        subscription_id=str(subscription.id),
        period_end=ends.isoformat(),
        recipients=len(admins),
    )
    return 1


def _reminder_body(tenant: str, plan: str, ends: datetime) -> str:
    """The reminder's text; ``ends`` is on the business's wall clock, its zone named."""
    return (
        f"Hello,\n\nThe {plan} plan of {tenant} is paid until {ends:%d %B %Y, %H:%M} "
        f"({ends.tzinfo}). "
        "To keep it, make the next payment and submit it on the billing page before then; "
        "otherwise the business moves to the free plan (nothing is deleted).\n"
    )


async def _admin_emails(tenant_id: UUID) -> list[str]:
    rows = await User.select(User.email).where(
        (User.tenant == tenant_id) & (User.role == Role.TENANT_ADMIN) & User.is_active.eq(True)
    )
    return sorted(str(row["email"]) for row in rows)


async def _expire(subscription: Subscription) -> int:
    """End one manual period (once, by a conditional update) and fall back to the free plan."""
    scope = TenantScope(subscription.tenant)
    ended = (
        await scope.update(Subscription, {Subscription.status: SubscriptionStatus.CANCELED})
        .where((Subscription.id == subscription.id) & _manual_active())
        .returning(Subscription.id)
    )
    if not ended:
        return 0
    downgraded = await fall_back_to_free(subscription.tenant)
    await audit.record(
        SYSTEM,
        "billing.period_expired",
        tenant_id=subscription.tenant,
        subscription_id=str(subscription.id),
        downgraded=downgraded,
    )
    log.info("tenant %s: manual period %s ended", subscription.tenant, subscription.id)
    return 1
