"""The operator's numbers across every tenant: the admin dashboard and the AI usage report.

Super admins only. Days here are UTC days: the platform spans time zones.

Sandbox test chats are the tenants' tests, not their customers' use: the
dashboard's traffic and the usage report's rows leave them out, and the report
gives their turns and cost apart, since the providers charge for them all the same.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import msgspec
from piccolo.query.functions.aggregate import Count, Sum

from b2a.analytics.days import Window, per_day
from b2a.analytics.tenant import (
    ANSWERED,
    ESCALATED,
    PERIODS,
    DaySeries,
    customer_messages,
    customer_turns,
)
from b2a.assistant.governance import replies_used
from b2a.assistant.tables import AIUsage
from b2a.billing.rules import ReviewStatus
from b2a.billing.tables import ManualPayment, StripeEvent
from b2a.db.columns import json_value
from b2a.errors import Invalid
from b2a.inbox.rules import ChannelState
from b2a.inbox.tables import Channel, Message
from b2a.lib import clock
from b2a.tenants.actor import Actor
from b2a.tenants.rules import TenantStatus
from b2a.tenants.tables import Tenant

NEEDS_ATTENTION = (ChannelState.LOGGED_OUT, ChannelState.FAILED)
TOP_REASONS = 10


class ChannelAlert(msgspec.Struct):
    """A tenant's number that is not working."""

    tenant_id: str
    tenant_name: str
    channel_id: str
    transport: str
    state: str
    last_error: str


class PlatformDashboard(msgspec.Struct):
    """The admin dashboard."""

    tenants_by_status: dict[str, int]
    messages_today: int
    ai_replies_today: int
    revenue_this_month: dict[str, int]
    channels_needing_attention: list[ChannelAlert]


class UsageRow(msgspec.Struct):
    """One tenant's use of one model over the period."""

    tenant_id: str
    tenant_name: str
    provider: str
    model: str
    turns: int
    answered: int
    escalated: int
    tokens: int
    cost_micro_usd: int


class LimitRow(msgspec.Struct):
    """A tenant's assistant turns against its limits now, as governance counts them."""

    tenant_id: str
    tenant_name: str
    today: int
    daily_limit: int
    this_month: int
    monthly_limit: int


class UsageReport(msgspec.Struct):
    """AI usage across the platform: per tenant and model, per day, and why turns were blocked.

    ``limits`` puts each tenant of the period against its daily and monthly
    limits in its own time zone, with the count the limits are checked against.
    """

    days: list[date]
    rows: list[UsageRow]
    per_day: list[DaySeries]
    blocked_reasons: dict[str, int]
    cost_micro_usd: int
    limits: list[LimitRow]
    sandbox_turns: int = 0
    """Turns in the tenants' sandbox test chats, counted in none of the above."""
    sandbox_cost_micro_usd: int = 0


async def platform_dashboard(actor: Actor, *, now: datetime | None = None) -> PlatformDashboard:
    """Tenants by status, today's traffic and the numbers that need the operator.

    Raises:
        Forbidden: the actor is not a super admin.
    """
    actor.require()
    moment = now or clock.now()
    today = Window.last(1, "UTC", moment)
    statuses = await Tenant.select(Tenant.status, Count(alias="n")).group_by(Tenant.status)
    by_status = {str(s): 0 for s in TenantStatus}
    by_status.update({str(r["status"]): int(r["n"]) for r in statuses})
    alerts = await Channel.select(
        Channel.id,
        Channel.transport,
        Channel.state,
        Channel.last_error,
        Channel.tenant.id.as_alias("tenant_id"),
        Channel.tenant.name.as_alias("tenant_name"),
    ).where(Channel.state.is_in(list(NEEDS_ATTENTION)) & (Channel.tenant.deleted_at.is_null()))
    return PlatformDashboard(
        tenants_by_status=by_status,
        messages_today=await Message.count().where(
            (Message.created_at >= today.start)
            & (Message.created_at < today.end)
            & customer_messages()
        ),
        ai_replies_today=await AIUsage.count().where(
            (AIUsage.created_at >= today.start)
            & (AIUsage.created_at < today.end)
            & AIUsage.outcome.is_in(list(ANSWERED))
            & customer_turns()
        ),
        revenue_this_month=await revenue_since(
            moment.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        ),
        channels_needing_attention=[
            ChannelAlert(
                str(r["tenant_id"]),
                r["tenant_name"],
                str(r["id"]),
                r["transport"],
                r["state"],
                r["last_error"],
            )
            for r in alerts
        ],
    )


async def ai_usage_report(
    actor: Actor, *, days: int = 7, now: datetime | None = None
) -> UsageReport:
    """Per tenant and model: turns, answers, escalations, tokens and cost over 7 or 30 UTC days.

    Raises:
        Forbidden: the actor is not a super admin.
        Invalid: ``days`` is not 7 or 30.
    """
    actor.require()
    if days not in PERIODS:
        raise Invalid("the AI usage report covers 7 or 30 days.", field="days")
    moment = now or clock.now()
    window = Window.last(days, "UTC", moment)
    period = (AIUsage.created_at >= window.start) & (AIUsage.created_at < window.end)
    in_window = period & customer_turns()
    grouped = (
        await AIUsage.select(
            AIUsage.tenant.id.as_alias("tenant_id"),
            AIUsage.tenant.name.as_alias("tenant_name"),
            AIUsage.provider,
            AIUsage.model,
            AIUsage.outcome,
            Count(alias="n"),
            Sum(AIUsage.prompt_tokens, alias="prompt"),
            Sum(AIUsage.completion_tokens, alias="completion"),
            Sum(AIUsage.cost_micro_usd, alias="cost"),
        )
        .where(in_window)
        .group_by(
            AIUsage.tenant.id,
            AIUsage.tenant.name,
            AIUsage.provider,
            AIUsage.model,
            AIUsage.outcome,
        )
    )
    rows: dict[tuple[str, str, str], UsageRow] = {}
    for r in grouped:
        key = (str(r["tenant_id"]), r["provider"], r["model"])
        row = rows.setdefault(
            key, UsageRow(key[0], r["tenant_name"], r["provider"], r["model"], 0, 0, 0, 0, 0)
        )
        n = int(r["n"])
        row.turns += n
        row.answered += n if r["outcome"] in ANSWERED else 0
        row.escalated += n if r["outcome"] in ESCALATED else 0
        row.tokens += int(r["prompt"] or 0) + int(r["completion"] or 0)
        row.cost_micro_usd += int(r["cost"] or 0)
    reasons = (
        await AIUsage.select(AIUsage.blocked_reason, Count(alias="n"))
        .where(in_window & AIUsage.outcome.is_in(list(ESCALATED)) & (AIUsage.blocked_reason != ""))
        .group_by(AIUsage.blocked_reason)
        .order_by(Count(), ascending=False)
        .limit(TOP_REASONS)
    )
    series = await per_day(
        AIUsage.select().where(customer_turns()), AIUsage.created_at, window, by=(AIUsage.outcome,)
    )
    [sandbox] = await AIUsage.select(
        Count(alias="n"), Sum(AIUsage.cost_micro_usd, alias="cost")
    ).where(period & AIUsage.sandbox.eq(True))
    turns = {day: sum(s.get(day, 0) for s in series.values()) for day in window.days}
    escalated = {
        day: sum(s.get(day, 0) for key, s in series.items() if key[0] in ESCALATED)
        for day in window.days
    }
    ordered = sorted(rows.values(), key=lambda row: (-row.turns, row.tenant_name, row.model))
    return UsageReport(
        days=list(window.days),
        rows=ordered,
        per_day=[
            DaySeries("assistant turns", [turns[d] for d in window.days]),
            DaySeries("handed to the team", [escalated[d] for d in window.days]),
        ],
        blocked_reasons={str(r["blocked_reason"]): int(r["n"]) for r in reasons},
        cost_micro_usd=sum(row.cost_micro_usd for row in ordered),
        limits=await _limits({row.tenant_id for row in ordered}, moment),
        sandbox_turns=int(sandbox["n"]),
        sandbox_cost_micro_usd=int(sandbox["cost"] or 0),
    )


async def _limits(tenant_ids: set[str], now: datetime) -> list[LimitRow]:
    """Each tenant against its limits, busiest today first (``governance.replies_used``)."""
    if not tenant_ids:
        return []
    rows = []
    for tenant in await Tenant.objects().where(Tenant.id.is_in(list(tenant_ids))):
        used = await replies_used(tenant.id, tenant.time_zone, now=now)
        rows.append(
            LimitRow(
                str(tenant.id),
                tenant.name,
                used.today,
                tenant.ai_daily_limit,
                used.this_month,
                tenant.ai_monthly_limit,
            )
        )
    return sorted(rows, key=lambda row: (-row.today, -row.this_month, row.tenant_name))


async def revenue_since(start: datetime) -> dict[str, int]:
    """Money received since ``start`` per currency, in minor units.

    Manual payments count when approved; card payments are Stripe's paid
    invoices (an invoice Stripe reported twice counts once).
    """
    totals: dict[str, int] = {}
    approved = await ManualPayment.select(ManualPayment.amount_minor, ManualPayment.currency).where(
        (ManualPayment.status == ReviewStatus.APPROVED) & (ManualPayment.reviewed_at >= start)
    )
    for row in approved:
        totals[row["currency"]] = totals.get(row["currency"], 0) + int(row["amount_minor"])
    paid = await StripeEvent.select(StripeEvent.payload).where(
        (StripeEvent.type == "invoice.paid") & (StripeEvent.created_at >= start)
    )
    invoices = {}
    for row in paid:
        invoice = json_value(row["payload"])["data"]["object"]
        invoices[invoice["id"]] = invoice
    for invoice in invoices.values():
        currency = str(invoice.get("currency", "")).upper()
        totals[currency] = totals.get(currency, 0) + int(invoice.get("amount_paid") or 0)
    return dict(sorted(totals.items()))
