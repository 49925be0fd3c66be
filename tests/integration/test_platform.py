"""The operator's views: the platform dashboard, the AI usage report and the audit log."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from b2a.analytics.platform import ai_usage_report, platform_dashboard, revenue_since
from b2a.assistant.tables import AIUsage
from b2a.audit import service as audit
from b2a.audit.queries import AuditFilter, export_audit_csv, list_audit
from b2a.audit.tables import AuditEntry
from b2a.billing.tables import ManualPayment, Plan, StripeEvent
from b2a.errors import Forbidden, Invalid
from b2a.inbox.rules import ChannelState, Transport
from b2a.inbox.tables import Channel
from b2a.tenants import service as tenants
from b2a.tenants.actor import Actor
from b2a.tenants.rules import TenantStatus
from b2a.tenants.scope import TenantScope

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
OPERATOR = Actor.operator("tests")


async def _usage(scope, outcome, *, model="gpt-x", reason="", at=NOW, cost=0, tokens=0):
    row = scope.new(
        AIUsage, provider="openai", model=model, outcome=outcome, blocked_reason=reason,
        cost_micro_usd=cost, prompt_tokens=tokens,
    )  # fmt: skip
    row.created_at = at
    await row.save()


async def test_the_platform_dashboard_counts_tenants_traffic_and_broken_numbers(cast, db):
    acme, globex = TenantScope(cast.acme_owner.tenant_id), TenantScope(cast.globex_owner.tenant_id)
    await tenants.set_tenant_status(OPERATOR, globex.tenant_id, TenantStatus.SUSPENDED)
    await acme.new(
        Channel, transport=Transport.WEB, state=ChannelState.LOGGED_OUT,
        last_error="the phone unlinked this device",
    ).save()  # fmt: skip
    await acme.new(Channel, transport=Transport.SANDBOX, state=ChannelState.CONNECTED).save()
    await _usage(acme, "sent")
    await _usage(globex, "fallback")
    await _usage(acme, "handoff")
    await _usage(acme, "sent", at=NOW - timedelta(days=1))

    board = await platform_dashboard(OPERATOR, now=NOW)

    assert board.tenants_by_status == {"ACTIVE": 1, "SUSPENDED": 1, "DELETED": 0}
    assert board.ai_replies_today == 2
    [alert] = board.channels_needing_attention
    assert (alert.tenant_name, alert.state) == ("Acme", "LOGGED_OUT")
    assert "unlinked" in alert.last_error


async def test_the_ai_usage_report_splits_by_tenant_and_model_with_cost_and_reasons(cast, db):
    acme, globex = TenantScope(cast.acme_owner.tenant_id), TenantScope(cast.globex_owner.tenant_id)
    for outcome in ("sent", "sent", "blocked"):
        await _usage(acme, outcome, cost=250, tokens=100, reason="a price not in the catalogue")
    await _usage(acme, "refused", model="", reason="The daily limit of 50 AI replies was reached")
    await _usage(globex, "sent", model="llama-3", cost=10, tokens=5)
    await _usage(globex, "sent", at=NOW - timedelta(days=40))

    report = await ai_usage_report(OPERATOR, days=7, now=NOW)

    by_key = {(r.tenant_name, r.model): r for r in report.rows}
    gpt = by_key[("Acme", "gpt-x")]
    assert (gpt.turns, gpt.answered, gpt.escalated, gpt.tokens, gpt.cost_micro_usd) == (
        3, 2, 1, 300, 750,
    )  # fmt: skip
    assert by_key[("Globex", "llama-3")].turns == 1
    assert report.cost_micro_usd == 760
    assert report.blocked_reasons == {
        "a price not in the catalogue": 1,
        "The daily limit of 50 AI replies was reached": 1,
    }
    turns, escalated = report.per_day
    assert turns.values[-1] == 5 and escalated.values[-1] == 2
    assert len(report.days) == 7


async def test_only_the_super_admin_sees_the_platform(cast, db):
    for call in (platform_dashboard, ai_usage_report):
        with pytest.raises(Forbidden):
            await call(cast.acme_owner.actor)
    with pytest.raises(Invalid):
        await ai_usage_report(OPERATOR, days=3)


async def _audit_trail(cast):
    base = datetime(2026, 6, 1, tzinfo=UTC)
    events = [
        (cast.acme_owner.actor, "order.approved", {"order": 1}),
        (cast.acme_agent.actor, "order.rejected", {"order": 2}),
        (cast.acme_owner.actor, "settings.profile_changed", {"fields": ["name"]}),
        (cast.globex_owner.actor, "order.approved", {"order": 9}),
        (OPERATOR, "system.ai_switched", {"enabled": False}),
    ]
    for n, (actor, event, detail) in enumerate(events):
        await audit.record(actor, event, **detail)
        # Only the entry just written has a real (later) time.
        await AuditEntry.update({AuditEntry.at: base + timedelta(hours=n)}).where(
            (AuditEntry.event == event) & (AuditEntry.at > base + timedelta(days=1))
        )


async def test_the_audit_log_filters_by_tenant_actor_event_and_time(cast, db):
    await _audit_trail(cast)
    acme = cast.acme_owner.tenant_id

    def events(page):
        return [e.event for e in page.items]

    assert len((await list_audit(OPERATOR, AuditFilter())).items) >= 5
    orders = await list_audit(OPERATOR, AuditFilter(tenant_id=acme, event="order."))
    assert events(orders) == ["order.rejected", "order.approved"]
    by_agent = await list_audit(OPERATOR, AuditFilter(actor="AGENT@acme"))
    assert events(by_agent) == ["order.rejected"]
    window = AuditFilter(
        since=datetime(2026, 6, 1, 1, tzinfo=UTC), until=datetime(2026, 6, 1, 3, tzinfo=UTC)
    )
    assert events(await list_audit(OPERATOR, window)) == [
        "settings.profile_changed",
        "order.rejected",
    ]
    exact = await list_audit(OPERATOR, AuditFilter(event="order.approved"))
    assert {e.tenant_id for e in exact.items} == {acme, cast.globex_owner.tenant_id}


async def test_a_tenant_admin_reads_only_their_tenants_log_and_staff_none(cast, db):
    await _audit_trail(cast)
    mine = await list_audit(
        cast.acme_owner.actor, AuditFilter(tenant_id=cast.globex_owner.tenant_id, event="order.")
    )
    assert {e.tenant_id for e in mine.items} == {cast.acme_owner.tenant_id}
    with pytest.raises(Forbidden):
        await list_audit(cast.acme_agent.actor, AuditFilter())


async def test_pages_follow_each_other_without_gaps_or_repeats(cast, db):
    for n in range(7):
        await audit.record(cast.acme_owner.actor, "label.created", n=n)
    seen, cursor = [], None
    while True:
        page = await list_audit(
            OPERATOR, AuditFilter(event="label.created"), cursor=cursor, limit=3
        )
        seen += [e.detail["n"] for e in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(seen) == list(range(7)) and len(seen) == 7


async def test_the_csv_export_holds_every_match_and_defuses_formulas(cast, db):
    await _audit_trail(cast)
    await audit.record(cast.acme_owner.actor, "customer.exported", note="=HYPERLINK(1)")
    lines = [
        line
        async for line in await export_audit_csv(
            OPERATOR, AuditFilter(tenant_id=cast.acme_owner.tenant_id)
        )
    ]
    rows = list(csv.reader(io.StringIO("".join(lines))))
    assert rows[0] == ["at", "tenant_id", "actor", "event", "ip", "detail"]
    assert {r[3] for r in rows[1:]} >= {"order.approved", "order.rejected", "customer.exported"}
    assert all(r[1] == str(cast.acme_owner.tenant_id) for r in rows[1:])
    with pytest.raises(Forbidden):
        await export_audit_csv(cast.acme_agent.actor, AuditFilter())


async def test_revenue_counts_approved_manual_payments_and_paid_invoices_once(cast, db):
    start = datetime(2026, 6, 1, tzinfo=UTC)
    plan = Plan(name="Pro", is_free=False)
    await plan.save()
    acme = TenantScope(cast.acme_owner.tenant_id)
    for status, reviewed_at, amount in [
        ("APPROVED", NOW, 800000),
        ("APPROVED", start - timedelta(days=1), 111),
        ("REJECTED", NOW, 222),
        ("PENDING", None, 333),
    ]:
        await acme.new(
            ManualPayment, plan=plan.id, method="EASYPAISA", reference=f"T{amount}",
            amount_minor=amount, currency="PKR", status=status, reviewed_at=reviewed_at,
        ).save()  # fmt: skip
    invoice = {"id": "in_1", "currency": "usd", "amount_paid": 2900, "status": "paid"}
    for event_id in ("evt_1", "evt_2"):
        await StripeEvent(
            event_id=event_id, type="invoice.paid", payload={"data": {"object": invoice}},
            created_at=NOW,
        ).save()  # fmt: skip
    failed = {"id": "in_2", "currency": "usd", "amount_paid": 0, "amount_due": 5000}
    await StripeEvent(
        event_id="evt_3", type="invoice.payment_failed", payload={"data": {"object": failed}},
        created_at=NOW,
    ).save()  # fmt: skip
    assert await revenue_since(start) == {"PKR": 800000, "USD": 2900}
    assert (await platform_dashboard(OPERATOR, now=NOW)).revenue_this_month == {
        "PKR": 800000,
        "USD": 2900,
    }


async def test_the_operator_counts_no_sandbox_test_chat_as_customer_use(cast, db):
    acme = TenantScope(cast.acme_owner.tenant_id)
    await _usage(acme, "sent", cost=100)
    sandbox = acme.new(
        AIUsage, provider="openai", model="gpt-x", outcome="sent", cost_micro_usd=40, sandbox=True
    )
    sandbox.created_at = NOW
    await sandbox.save()

    board = await platform_dashboard(OPERATOR, now=NOW)
    report = await ai_usage_report(OPERATOR, days=7, now=NOW)

    assert board.ai_replies_today == 1
    [row] = report.rows
    assert (row.turns, row.cost_micro_usd, report.cost_micro_usd) == (1, 100, 100)
    assert (report.sandbox_turns, report.sandbox_cost_micro_usd) == (1, 40)
    assert report.per_day[0].values[-1] == 1
