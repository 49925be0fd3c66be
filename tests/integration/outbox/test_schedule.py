"""Scheduled messages: tenant time zone, minute dispatch, real outcomes, cancel, no doubles."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from b2a.errors import Conflict, Invalid
from b2a.inbox.channels import connect_cloud_channel
from b2a.inbox.rules import Transport
from b2a.inbox.tables import Channel, Customer, Message
from b2a.lib import clock
from b2a.lib.crypto import SecretBox
from b2a.outbox import schedule
from b2a.outbox.rules import ScheduleStatus
from b2a.outbox.tables import MessageTemplate, ScheduledMessage
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant
from b2a.whatsapp.cloud_api import CloudCredentials
from b2a.worker.tasks.outbox import dispatch_scheduled
from tests.fakes.graph_api import TOKEN
from tests.pipeline import eventually, installed_queue, running_worker


async def _customer(scope, phone="923001234567"):
    customer = scope.new(Customer, name="Ayesha", phone=phone)
    await customer.save()
    return customer.id


async def _sandbox(scope):
    await scope.new(Channel, transport=Transport.SANDBOX).save()


def _soon():
    return clock.now() - timedelta(seconds=1)


async def _settled(scope, schedule_id):
    async def check():
        row = await scope.get(ScheduledMessage, schedule_id)
        return row if row.status != ScheduleStatus.PENDING else None

    return await eventually(check)


async def test_a_naive_time_is_the_tenants_wall_clock(cast, settings):
    scope = TenantScope(cast.acme_owner.tenant_id)
    await Tenant.update({Tenant.time_zone: "Asia/Karachi"}).where(Tenant.id == scope.tenant_id)
    customer = await _customer(scope)
    row = await schedule.schedule_message(
        scope, schedule.ScheduleRequest(customer, datetime(2030, 12, 1, 10, 0), text="Eid offer")
    )
    stored = await scope.get(ScheduledMessage, row.id)
    assert stored.send_at == datetime(2030, 12, 1, 5, 0, tzinfo=UTC)
    assert stored.status == ScheduleStatus.PENDING


async def test_bad_schedules_are_refused_with_the_reason(cast, settings):
    scope = TenantScope(cast.acme_owner.tenant_id)
    customer = await _customer(scope)
    later = clock.now() + timedelta(hours=1)
    with pytest.raises(Invalid, match="in the past"):
        await schedule.schedule_message(
            scope, schedule.ScheduleRequest(customer, clock.now() - timedelta(hours=1), text="x")
        )
    with pytest.raises(Invalid, match="not both or neither"):
        await schedule.schedule_message(scope, schedule.ScheduleRequest(customer, later))
    template = scope.new(MessageTemplate, name="t", body="Hi {{name}}, {{item}} is ready")
    await template.save()
    with pytest.raises(Invalid, match="missing: item"):
        await schedule.schedule_message(
            scope,
            schedule.ScheduleRequest(
                customer, later, template_id=template.id, variables={"name": "A"}
            ),
        )


async def test_a_due_schedule_is_sent_once_and_marked_sent_after_the_send(cast, settings, redis):
    scope = TenantScope(cast.acme_owner.tenant_id)
    await _sandbox(scope)
    customer = await _customer(scope)
    template = scope.new(MessageTemplate, name="t", body="Hi {{name}}, your order is ready")
    await template.save()
    row = await schedule.schedule_message(
        scope,
        schedule.ScheduleRequest(
            customer, _soon(), template_id=template.id, variables={"name": "Ayesha"}
        ),
    )
    future = await schedule.schedule_message(
        scope, schedule.ScheduleRequest(customer, clock.now() + timedelta(hours=1), text="later")
    )
    async with running_worker(settings):
        # Two overlapping cron runs: one message, whichever wins.
        results = await asyncio.gather(dispatch_scheduled({}), dispatch_scheduled({}))
        assert sum(r["queued"] for r in results) == 1
        sent = await _settled(scope, row.id)
    assert sent.status == ScheduleStatus.SENT and sent.finished_at is not None
    [message] = await scope.select(Message, Message.text, Message.state)
    assert message == {"text": "Hi Ayesha, your order is ready", "state": "SENT"}
    assert (await scope.get(ScheduledMessage, future.id)).status == ScheduleStatus.PENDING


async def test_a_failed_send_marks_the_schedule_failed_with_the_reason(
    cast, settings, graph, redis
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    credentials = CloudCredentials("PNID1", TOKEN, "WABA", app_secret="s", verify_token="v")
    await connect_cloud_channel(scope, credentials, SecretBox(settings.core.encryption_key))
    customer = await _customer(scope)
    template = scope.new(
        MessageTemplate,
        source="meta",
        name="ready",
        body="{{1}} is ready",
        meta_status="APPROVED",
    )
    await template.save()
    row = await schedule.schedule_message(
        scope,
        schedule.ScheduleRequest(customer, _soon(), template_id=template.id, variables={"1": "X"}),
    )
    graph.state.fail_next(131026)
    async with running_worker(settings):
        await dispatch_scheduled({})
        failed = await _settled(scope, row.id)
    assert failed.status == ScheduleStatus.FAILED
    assert "not be on WhatsApp" in failed.last_error


async def test_queueing_is_tried_three_times_a_minute_apart_then_fails(cast, settings, redis):
    scope = TenantScope(cast.acme_owner.tenant_id)
    customer = await _customer(scope)  # no WhatsApp number connected
    row = await schedule.schedule_message(
        scope, schedule.ScheduleRequest(customer, _soon(), text="hello")
    )
    async with installed_queue(settings):
        for expected in (ScheduleStatus.PENDING, ScheduleStatus.PENDING, ScheduleStatus.FAILED):
            await dispatch_scheduled({})
            assert (await scope.get(ScheduledMessage, row.id)).status == expected
        await dispatch_scheduled({})
    failed = await scope.get(ScheduledMessage, row.id)
    assert failed.attempts == 3 and "no WhatsApp number is connected" in failed.last_error
    assert await scope.count(Message).run() == 0


async def test_a_pending_schedule_can_be_cancelled_and_a_dispatched_one_cannot(
    cast, settings, redis
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    await _sandbox(scope)
    customer = await _customer(scope)
    first = await schedule.schedule_message(
        scope, schedule.ScheduleRequest(customer, _soon(), text="one")
    )
    await schedule.cancel_scheduled(scope, first.id)
    second = await schedule.schedule_message(
        scope, schedule.ScheduleRequest(customer, _soon(), text="two")
    )
    async with installed_queue(settings):
        assert (await dispatch_scheduled({}))["queued"] == 1
    with pytest.raises(Conflict, match="cannot be cancelled"):
        await schedule.cancel_scheduled(scope, second.id)
    cancelled = await scope.get(ScheduledMessage, first.id)
    assert cancelled.status == ScheduleStatus.CANCELLED
    assert [r["text"] for r in await scope.select(Message, Message.text)] == ["two"]
