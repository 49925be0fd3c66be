"""Scheduled messages: tenant time zone, minute dispatch, real outcomes, cancel, no doubles."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from b2a.errors import Conflict, Invalid
from b2a.inbox import web_session
from b2a.inbox.channels import connect_cloud_channel
from b2a.inbox.cloud_setup import disconnect_cloud
from b2a.inbox.rules import ChannelMove, ChannelState, Transport
from b2a.inbox.service import conversation_for
from b2a.inbox.tables import Channel, Conversation, Customer, Message
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


async def _sandbox_customer(scope):
    """A customer who chatted in the sandbox: their conversation is there."""
    channel = scope.new(Channel, transport=Transport.SANDBOX, state=ChannelState.CONNECTED)
    await channel.save()
    customer = await _customer(scope)
    await conversation_for(scope, channel.id, customer)
    return customer


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
    customer = await _sandbox_customer(scope)
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
    customer = await _sandbox_customer(scope)
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
    box = SecretBox(settings.core.encryption_key)
    credentials = CloudCredentials("PNID1", TOKEN, "WABA", app_secret="s", verify_token="v")
    await connect_cloud_channel(scope, credentials, box)
    customer = await _customer(scope)
    row = await schedule.schedule_message(
        scope, schedule.ScheduleRequest(customer, _soon(), text="hello")
    )
    await disconnect_cloud(cast.acme_owner.actor, box=box, base_url="https://b2a.example")
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
    customer = await _sandbox_customer(scope)
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


async def test_a_sandbox_customers_schedule_leaves_through_the_sandbox_after_a_web_attempt(
    cast, settings, redis
):
    """The issue's case: WhatsApp-Web was tried (and failed) before the sandbox chat began."""
    scope = TenantScope(cast.acme_owner.tenant_id)
    await web_session.start_session(scope, redis)
    await web_session.record_state(
        scope, redis, ChannelMove.FAIL, error="WhatsApp cannot be reached from this server."
    )
    customer = await _sandbox_customer(scope)
    row = await schedule.schedule_message(
        scope, schedule.ScheduleRequest(customer, _soon(), text="your table is ready")
    )
    async with running_worker(settings):
        await dispatch_scheduled({})
        sent = await _settled(scope, row.id)
    assert sent.status == ScheduleStatus.SENT
    [conversation] = await scope.objects(Conversation).where(Conversation.customer == customer)
    channel = await scope.get(Channel, conversation.channel)
    assert channel.transport == Transport.SANDBOX, "one conversation, on the sandbox"
    [message] = await scope.objects(Message)
    assert message.conversation == conversation.id and message.state == "SENT"


async def test_a_customer_with_no_conversation_gets_one_on_the_connected_number(
    cast, settings, redis, graph
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    await _sandbox_customer(scope)  # the sandbox is no way to reach a real customer
    credentials = CloudCredentials("PNID1", TOKEN, "WABA", app_secret="s", verify_token="v")
    cloud = await connect_cloud_channel(scope, credentials, SecretBox(settings.core.encryption_key))
    newcomer = await _customer(scope, phone="923339998877")
    template = scope.new(
        MessageTemplate, source="meta", name="hi", body="Salam {{1}}", meta_status="APPROVED"
    )
    await template.save()
    row = await schedule.schedule_message(
        scope,
        schedule.ScheduleRequest(newcomer, _soon(), template_id=template.id, variables={"1": "A"}),
    )
    async with running_worker(settings):
        await dispatch_scheduled({})
        assert (await _settled(scope, row.id)).status == ScheduleStatus.SENT
    [conversation] = await scope.objects(Conversation).where(Conversation.customer == newcomer)
    assert conversation.channel == cloud.id
    assert [s["to"] for s in graph.state.sent] == ["923339998877"]


async def test_a_customer_with_no_conversation_and_no_number_is_refused_in_plain_words(cast):
    scope = TenantScope(cast.acme_owner.tenant_id)
    await _sandbox_customer(scope)
    newcomer = await _customer(scope, phone="923339998877")
    with pytest.raises(Conflict) as refused:
        await schedule.schedule_message(
            scope, schedule.ScheduleRequest(newcomer, _soon(), text="hello")
        )
    assert refused.value.code == "NO_CONNECTED_NUMBER"
    assert "connect a number on the Connect WhatsApp page" in refused.value.message
    assert await scope.count(ScheduledMessage).run() == 0


async def test_a_time_in_the_past_is_named_in_the_business_zone(cast, settings):
    scope = TenantScope(cast.acme_owner.tenant_id)
    await Tenant.update({Tenant.time_zone: "Asia/Karachi"}).where(Tenant.id == scope.tenant_id)
    customer = await _sandbox_customer(scope)
    with pytest.raises(Invalid) as refused:
        await schedule.schedule_message(
            scope, schedule.ScheduleRequest(customer, datetime(2020, 1, 2, 10, 0), text="late")
        )
    assert str(refused.value) == "2020-01-02 10:00 (Asia/Karachi) is in the past."
