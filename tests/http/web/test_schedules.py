"""The scheduled-messages page: wall-clock times in the tenant's zone, statuses, cancelling."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from b2a.inbox.service import conversation_for
from b2a.inbox.tables import Customer
from b2a.outbox import schedule, templates
from b2a.outbox.rules import ScheduleStatus
from b2a.outbox.tables import ScheduledMessage
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant
from tests.conftest import PASSWORD
from tests.http.api.conftest import sandbox_channel

ZONE = "Asia/Karachi"


async def _customer(member, name="Ayesha"):
    await Tenant.update({Tenant.time_zone: ZONE}).where(Tenant.id == member.tenant_id)
    scope = TenantScope(member.tenant_id)
    customer = scope.new(Customer, name=name, phone="923001234567")
    await customer.save()
    channel = await sandbox_channel(scope)  # they chatted in the sandbox: schedules go there
    await conversation_for(scope, channel.id, customer.id)
    return customer


def _tomorrow():
    return (datetime.now(ZoneInfo(ZONE)) + timedelta(days=1)).date().isoformat()


async def test_staff_schedule_a_text_at_the_businesss_wall_clock_and_cancel_it(browser, cast):
    customer = await _customer(cast.acme_owner)
    await browser.log_in(cast.acme_agent.email, PASSWORD)
    form = {"customer_id": str(customer.id), "text": "See you!", "date": _tomorrow()}
    made = await browser.submit("/app/schedules", {**form, "time": "09:30"})
    assert made.status_code == 303
    row = await ScheduledMessage.objects().first()
    local = row.send_at.astimezone(ZoneInfo(ZONE))
    assert (local.date().isoformat(), local.strftime("%H:%M")) == (_tomorrow(), "09:30")
    listed = await browser.get("/app/schedules")
    assert f"{_tomorrow()} 09:30" in listed.text and "See you!" in listed.text
    assert "Ayesha" in listed.text and "pending" in listed.text
    cancelled = await browser.post(f"/app/schedules/{row.id}/cancel", {})
    assert cancelled.status_code == 303
    assert (await ScheduledMessage.objects().first()).status == ScheduleStatus.CANCELLED
    again = await browser.post(f"/app/schedules/{row.id}/cancel", {})
    assert again.status_code == 409 and "cannot be cancelled" in again.text


async def test_a_template_needs_all_its_variables_and_a_past_time_is_refused(browser, cast):
    customer = await _customer(cast.acme_owner)
    made = await templates.create_template(cast.acme_owner.actor, "Hi", "Hi {{name}} at {{time}}")
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    form = {"customer_id": str(customer.id), "template_id": str(made.id), "date": _tomorrow()}
    missing = await browser.submit(
        "/app/schedules", {**form, "time": "10:00", "variables": "name=A"}
    )
    assert missing.status_code == 422 and 'id="e-variables"' in missing.text
    assert "missing: time" in missing.text and "name=A" in missing.text
    past = await browser.post(
        "/app/schedules",
        {**form, "date": "2020-01-01", "time": "10:00", "variables": "name=A\ntime=5"},
    )
    assert past.status_code == 422 and "in the past" in past.text
    nobody = await browser.post(
        "/app/schedules", {"text": "x", "date": _tomorrow(), "time": "1:00"}
    )
    assert nobody.status_code == 422 and 'id="e-customer_id"' in nobody.text
    good = await browser.post(
        "/app/schedules", {**form, "time": "10:00", "variables": "name=A\ntime=5"}
    )
    assert good.status_code == 303
    row = await ScheduledMessage.objects().first()
    assert row.template == made.id and row.text == ""


async def test_a_failed_schedule_shows_its_reason(browser, cast):
    customer = await _customer(cast.acme_owner)
    scope = TenantScope(cast.acme_owner.tenant_id)
    later = datetime.now(UTC) + timedelta(hours=2)
    row = await schedule.schedule_message(scope, schedule.ScheduleRequest(customer.id, later, "Hi"))
    reason = "The 24-hour window is closed."
    await ScheduledMessage.update(
        {ScheduledMessage.status: ScheduleStatus.FAILED, ScheduledMessage.last_error: reason}
    ).where(ScheduledMessage.id == row.id)
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    failed = await browser.get("/app/schedules?status=FAILED")
    assert reason in failed.text and "failed" in failed.text and "/cancel" not in failed.text
    assert reason not in (await browser.get("/app/schedules?status=PENDING")).text


async def test_another_tenants_schedule_and_customer_answer_404(browser, cast):
    customer = await _customer(cast.globex_owner)
    scope = TenantScope(cast.globex_owner.tenant_id)
    later = datetime.now(UTC) + timedelta(hours=2)
    row = await schedule.schedule_message(scope, schedule.ScheduleRequest(customer.id, later, "Hi"))
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    page = await browser.get("/app/schedules")
    assert "Ayesha" not in page.text
    assert (await browser.post(f"/app/schedules/{row.id}/cancel", {})).status_code == 404
    form = {"customer_id": str(customer.id), "text": "x", "date": _tomorrow(), "time": "10:00"}
    assert (await browser.post("/app/schedules", form)).status_code == 404
    assert (await ScheduledMessage.objects().first()).status == ScheduleStatus.PENDING
