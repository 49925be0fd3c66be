"""The admin dashboard, the AI usage report and the audit log with its CSV export."""

import csv
import io
from datetime import timedelta

from b2a.assistant.tables import AIUsage
from b2a.audit import service as audit
from b2a.billing import config, manual, plans
from b2a.billing.schemas import LocalPayments
from b2a.inbox.rules import ChannelState, Transport
from b2a.inbox.tables import Channel
from b2a.lib import clock
from b2a.tenants.actor import Actor
from b2a.tenants.scope import TenantScope
from tests.http.api.conftest import sandbox_channel, seed_conversation
from tests.http.web._admin import log_in_operator
from tests.integration.billing.conftest import METHODS, PNG, pro_plan

OPERATOR = Actor.operator("tests")


async def _usage(scope, *, at, outcome="sent", reason=""):
    channel = await sandbox_channel(scope)
    conversation = await seed_conversation(scope, channel, at=at)
    await scope.new(
        AIUsage,
        conversation=conversation.id,
        outcome=outcome,
        provider="openai",
        model="gpt-test",
        prompt_tokens=1200,
        completion_tokens=300,
        cost_micro_usd=2_500_000,
        blocked_reason=reason,
        created_at=at,
    ).save()


async def test_the_dashboard_counts_tenants_revenue_and_broken_numbers(browser, cast, settings):
    await config.set_local_payments(OPERATOR, LocalPayments("PKR", METHODS))
    pro = await plans.create_plan(OPERATOR, pro_plan())
    payment = await manual.submit_manual_payment(
        cast.acme_owner.actor,
        manual.ManualPaymentIn(
            plan_id=str(pro.id),
            method="EASYPAISA",
            sender_name="Acme",
            sender_number="0300 1234567",
            reference="TID9",
            coupon_code="",
            screenshot=PNG,
        ),
        media_root=settings.core.media_root,
    )
    globex = TenantScope(cast.globex_owner.tenant_id)
    await globex.new(
        Channel, transport=Transport.WEB, state=ChannelState.LOGGED_OUT, last_error="logged out"
    ).save()
    operator = await log_in_operator(browser)

    before = await browser.get("/admin")
    assert "1 waiting" in before.text and "Nothing yet" in before.text
    assert "Globex</a>: web number" in before.text and "logged out" in before.text
    await manual.approve_manual_payment(operator, payment.id)
    after = await browser.get("/admin")
    assert "PKR 8,000.00" in after.text and "0 waiting" in after.text
    assert '<th scope="row">active</th><td>2</td>' in after.text


async def test_the_usage_report_covers_7_or_30_days_with_cost_and_reasons(browser, cast):
    acme = TenantScope(cast.acme_owner.tenant_id)
    await _usage(acme, at=clock.now())
    await _usage(acme, at=clock.now(), outcome="refused", reason="AI_DAILY_LIMIT")
    await _usage(acme, at=clock.now() - timedelta(days=20))
    await log_in_operator(browser)
    week = await browser.get("/admin/usage")
    assert week.status_code == 200 and "<svg" in week.text
    assert "US$ 5.00" in week.text and "AI_DAILY_LIMIT" in week.text
    assert "gpt-test" in week.text and ">Acme</a>" in week.text
    month = await browser.get("/admin/usage?days=30")
    assert "US$ 7.50" in month.text
    assert (await browser.get("/admin/usage?days=9")).status_code == 422


async def test_the_audit_log_filters_and_exports_csv(browser, cast):
    await audit.record(cast.acme_owner.actor, "order.approved", number=7)
    await audit.record(cast.globex_owner.actor, "order.rejected", number=8)
    await audit.record(cast.acme_owner.actor, "settings.assistant_changed")
    await log_in_operator(browser)
    every = await browser.get("/admin/audit")
    assert "order.approved" in every.text and "order.rejected" in every.text
    acme = await browser.get(f"/admin/audit?tenant={cast.acme_owner.tenant_id}&event=order.")
    assert "order.approved" in acme.text and "order.rejected" not in acme.text
    assert "settings.assistant_changed" not in acme.text
    by_actor = await browser.get("/admin/audit?actor=globex")
    assert "order.rejected" in by_actor.text and "order.approved" not in by_actor.text
    today = clock.now().date()
    ranged = await browser.get(f"/admin/audit?since={today}&until={today}&event=order.approved")
    assert "order.approved" in ranged.text
    future = await browser.get(f"/admin/audit?since={today + timedelta(days=1)}")
    assert "No entry matches" in future.text
    upside_down = await browser.get(f"/admin/audit?since={today}&until={today - timedelta(days=3)}")
    assert upside_down.status_code == 422 and 'id="e-since"' in upside_down.text
    bad_day = await browser.get("/admin/audit?since=yesterday")
    assert bad_day.status_code == 422

    exported = await browser.get(
        f"/admin/audit.csv?tenant={cast.acme_owner.tenant_id}&event=order."
    )
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert rows[0] == ["at", "tenant_id", "actor", "event", "ip", "detail"]
    assert [r[3] for r in rows[1:]] == ["order.approved"]
