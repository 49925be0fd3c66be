"""Outbound: a queued message goes through the real worker and httpx to the fake Graph API."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from b2a.errors import Invalid
from b2a.inbox.channels import connect_cloud_channel
from b2a.inbox.preferences import MarketingOptedOut
from b2a.inbox.rules import Author, DeliveryState, IdentityKind, Owner, Transport
from b2a.inbox.service import accept_status, apply_status
from b2a.inbox.tables import Channel, Conversation, Customer, CustomerIdentity, Message
from b2a.lib import clock
from b2a.lib.crypto import SecretBox
from b2a.outbox.queueing import (
    Draft,
    Sender,
    WindowClosed,
    enqueue_send,
    queue_message,
    store_outbound,
)
from b2a.outbox.rules import MetaTemplateStatus, TemplateSource
from b2a.outbox.tables import MessageTemplate
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant
from b2a.whatsapp.cloud_api import CloudCredentials
from b2a.whatsapp.cloud_webhook import CloudStatus
from b2a.worker.tasks.outbox import requeue_stranded_sends
from tests import samples
from tests.fakes.graph_api import TOKEN
from tests.pipeline import eventually, installed_queue, running_worker

CUSTOMER = "923001234567"


async def _conversation(scope, settings, *, window_open=True, transport=Transport.CLOUD):
    if transport is Transport.CLOUD:
        credentials = CloudCredentials("PNID1", TOKEN, "WABA", app_secret="s", verify_token="v")
        channel = await connect_cloud_channel(
            scope, credentials, SecretBox(settings.core.encryption_key)
        )
    else:
        channel = scope.new(Channel, transport=transport)
        await channel.save()
    customer = scope.new(Customer, name="Ayesha", phone=CUSTOMER)
    await customer.save()
    await scope.new(
        CustomerIdentity, customer=customer.id, kind=IdentityKind.WA_ID, value=CUSTOMER
    ).save()
    expires = clock.now() + (timedelta(hours=5) if window_open else -timedelta(minutes=1))
    conversation = scope.new(
        Conversation, channel=channel.id, customer=customer.id, window_expires_at=expires
    )
    await conversation.save()
    return conversation


async def _final(scope, message_id):
    async def settled():
        message = await scope.get(Message, message_id)
        return message if message.state in (DeliveryState.SENT, DeliveryState.DEAD) else None

    return await eventually(settled)


async def test_an_agent_reply_is_sent_once_and_hands_the_conversation_to_humans(
    cast, settings, graph, redis
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    conversation = await _conversation(scope, settings)
    agent = Sender(Author.AGENT, cast.acme_agent.actor.user_id)
    async with running_worker(settings):
        queued = await queue_message(scope, conversation.id, Draft(text="Kal 5 baje"), agent)
        assert queued.state == DeliveryState.QUEUED
        message = await _final(scope, queued.id)
    assert message.state == DeliveryState.SENT and message.attempts == 1
    [sent] = graph.state.sent
    assert sent["to"] == CUSTOMER and sent["text"]["body"] == "Kal 5 baje"
    assert sent["wamid"] == message.wa_message_id
    assert sent["biz_opaque_callback_data"] == str(message.id)
    conversation = await scope.get(Conversation, conversation.id)
    assert conversation.owner == Owner.HUMAN and conversation.last_message_preview == "Kal 5 baje"


async def test_outside_the_window_only_an_approved_template_goes(cast, settings, graph, redis):
    scope = TenantScope(cast.acme_owner.tenant_id)
    conversation = await _conversation(scope, settings, window_open=False)
    agent = Sender(Author.AGENT, cast.acme_agent.actor.user_id)
    async with installed_queue(settings):
        with pytest.raises(WindowClosed, match="only accepts an approved template"):
            await queue_message(scope, conversation.id, Draft(text="hello?"), agent)
        local = scope.new(MessageTemplate, name="hi", body="Hi {{name}}", variables=["name"])
        await local.save()
        with pytest.raises(WindowClosed):
            await queue_message(
                scope, conversation.id, Draft(template_id=local.id, variables={"name": "A"}), agent
            )
        pending = scope.new(
            MessageTemplate,
            source=TemplateSource.META,
            name="pickup",
            body="{{1}}, your order {{2}} is ready",
            meta_status=MetaTemplateStatus.PENDING,
        )
        await pending.save()
        with pytest.raises(Invalid, match="PENDING at Meta"):
            await queue_message(
                scope,
                conversation.id,
                Draft(template_id=pending.id, variables={"1": "Ayesha", "2": "#12"}),
                agent,
            )
        with pytest.raises(Invalid, match="missing: 2"):
            await queue_message(
                scope, conversation.id, Draft(template_id=pending.id, variables={"1": "A"}), agent
            )
    approved = scope.new(
        MessageTemplate,
        source=TemplateSource.META,
        name="ready",
        language="en_US",
        body="{{1}}, your order {{2}} is ready",
        meta_status=MetaTemplateStatus.APPROVED,
    )
    await approved.save()
    async with running_worker(settings):
        draft = Draft(template_id=approved.id, variables={"2": "#12", "1": "Ayesha"})
        queued = await queue_message(scope, conversation.id, draft, agent)
        message = await _final(scope, queued.id)
    assert message.state == DeliveryState.SENT
    assert message.text == "Ayesha, your order #12 is ready"
    [sent] = graph.state.sent
    assert sent["type"] == "template"
    assert sent["template"]["name"] == "ready"
    assert sent["template"]["language"] == {"code": "en_US"}
    assert sent["template"]["components"][0]["parameters"] == [
        {"type": "text", "text": "Ayesha"},
        {"type": "text", "text": "#12"},
    ]


async def test_transient_failures_are_retried_then_sent(cast, settings, graph, redis):
    scope = TenantScope(cast.acme_owner.tenant_id)
    conversation = await _conversation(scope, settings)
    graph.state.fail_next(130429, status=400, times=2)
    async with running_worker(settings):
        queued = await queue_message(
            scope, conversation.id, Draft(text="retry me"), Sender(Author.SYSTEM)
        )
        message = await _final(scope, queued.id)
    assert message.state == DeliveryState.SENT and message.attempts == 3
    assert len(graph.state.sent) == 1


async def test_permanent_and_exhausted_failures_go_to_the_dead_letters(
    cast, settings, graph, redis
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    conversation = await _conversation(scope, settings)
    graph.state.fail_next(131026)
    async with running_worker(settings):
        first = await queue_message(scope, conversation.id, Draft(text="a"), Sender(Author.SYSTEM))
        dead = await _final(scope, first.id)
        assert dead.state == DeliveryState.DEAD and dead.attempts == 1
        assert dead.error_code == "131026" and "not be on WhatsApp" in dead.error_detail

        graph.state.fail_next(131000, status=500, times=3)
        second = await queue_message(scope, conversation.id, Draft(text="b"), Sender(Author.SYSTEM))
        exhausted = await _final(scope, second.id)
    assert exhausted.state == DeliveryState.DEAD and exhausted.attempts == 3
    assert "gave up after 3" in exhausted.error_detail
    assert graph.state.sent == []


async def test_a_send_interrupted_mid_flight_is_not_repeated_and_a_status_later_settles_it(
    cast, settings, graph, redis
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    conversation = await _conversation(scope, settings)
    async with installed_queue(settings):
        queued = await queue_message(
            scope, conversation.id, Draft(text="half sent"), Sender(Author.SYSTEM)
        )
    # The worker died after claiming the message, while its request was on the wire.
    await scope.update(Message, {Message.state: DeliveryState.SENDING}).where(
        Message.id == queued.id
    )
    async with running_worker(settings) as worker:
        await worker.queue.enqueue(
            "send_message",
            key="resend",
            kwargs={"tenant_id": str(scope.tenant_id), "message_id": str(queued.id)},
        )
        message = await _final(scope, queued.id)
    assert message.state == DeliveryState.DEAD and message.error_code == "INTERRUPTED"
    assert graph.state.sent == []

    # Meta's status webhook echoes our id: the message did go out, and now we know its wamid.
    status = CloudStatus(
        "PNID1", "wamid.LATE", "delivered", CUSTOMER, clock.now(), [], str(queued.id)
    )
    event_id = await accept_status(scope, conversation.channel, Transport.CLOUD, status)
    await apply_status(scope, event_id)
    message = await scope.get(Message, queued.id)
    assert message.wa_message_id == "wamid.LATE" and message.state == DeliveryState.DELIVERED


async def test_a_sandbox_conversation_has_no_window_and_sends_at_once(cast, settings, redis):
    scope = TenantScope(cast.acme_owner.tenant_id)
    conversation = await _conversation(
        scope, settings, window_open=False, transport=Transport.SANDBOX
    )
    async with running_worker(settings):
        queued = await queue_message(
            scope, conversation.id, Draft(text="hi from the sandbox"), Sender(Author.SYSTEM)
        )
        message = await _final(scope, queued.id)
    assert message.state == DeliveryState.SENT
    assert message.wa_message_id == f"sandbox.{message.id}"


async def test_a_message_whose_send_job_was_lost_is_found_and_sent(cast, settings, graph, redis):
    scope = TenantScope(cast.acme_owner.tenant_id)
    conversation = await _conversation(scope, settings)
    system = Sender(Author.SYSTEM)
    # Stored, then the process died before enqueueing its send (or Redis lost the job).
    lost = await store_outbound(scope, conversation.id, Draft(text="lost job"), system)
    await scope.update(
        Message, {Message.state_changed_at: clock.now() - timedelta(minutes=10)}
    ).where(Message.id == lost.id)
    fresh = await store_outbound(scope, conversation.id, Draft(text="just stored"), system)
    async with installed_queue(settings) as queue:
        assert await requeue_stranded_sends({"settings": settings}) == {"requeued": 1}
        assert await requeue_stranded_sends({"settings": settings}) == {"requeued": 1}
        assert await queue.count("queued") == 1, "sweeping twice gives it one job"
    async with running_worker(settings):
        message = await _final(scope, lost.id)
        # The fresh one waited behind it, with no job of its own: sending the first woke it.
        behind = await _final(scope, fresh.id)
    assert message.state == DeliveryState.SENT and behind.state == DeliveryState.SENT
    assert [s["text"]["body"] for s in graph.state.sent] == ["lost job", "just stored"]


async def test_the_closed_window_is_dated_in_the_business_zone(cast, settings, graph, redis):
    scope = TenantScope(cast.acme_owner.tenant_id)
    await Tenant.update({Tenant.time_zone: "Asia/Karachi"}).where(Tenant.id == scope.tenant_id)
    conversation = await _conversation(scope, settings, window_open=False)
    closed = conversation.window_expires_at.astimezone(ZoneInfo("Asia/Karachi"))
    agent = Sender(Author.AGENT, cast.acme_agent.actor.user_id)
    async with installed_queue(settings):
        with pytest.raises(WindowClosed) as refused:
            await queue_message(scope, conversation.id, Draft(text="hello?"), agent)
    assert f"closed at {closed:%Y-%m-%d %H:%M} (Asia/Karachi)" in str(refused.value)


async def test_a_marketing_template_queued_before_the_customer_said_stop_is_not_sent(
    cast, settings, graph, redis
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    conversation = await _conversation(scope, settings, window_open=False)
    offer = scope.new(
        MessageTemplate,
        source=TemplateSource.META,
        name="spring_sale",
        category="MARKETING",
        body="{{1}}, 20% off today",
        meta_status=MetaTemplateStatus.APPROVED,
    )
    await offer.save()
    draft = Draft(template_id=offer.id, variables={"1": "Ayesha"})
    queued = await store_outbound(scope, conversation.id, draft, Sender(Author.SYSTEM))
    await scope.update(Customer, {Customer.marketing_opt_out_at: clock.now()})
    async with running_worker(settings):
        await enqueue_send(scope.tenant_id, queued.id)
        message = await _final(scope, queued.id)
    assert (message.state, message.error_code) == (DeliveryState.DEAD, "NO_MARKETING")
    assert "asked WhatsApp for no marketing messages" in message.error_detail
    assert graph.state.sent == []
    with pytest.raises(MarketingOptedOut, match="send a utility template"):
        await store_outbound(scope, conversation.id, draft, Sender(Author.SYSTEM))


async def test_an_agents_document_reaches_the_customer_under_the_name_it_was_given(
    cast, settings, graph, redis
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    conversation = await _conversation(scope, settings)
    agent = Sender(Author.AGENT, cast.acme_agent.actor.user_id)
    draft = Draft(
        text="Our prices",
        media=samples.PDF,
        media_mime="application/pdf",
        filename="../Prices Dec.pdf",
    )
    async with running_worker(settings):
        queued = await queue_message(
            scope, conversation.id, draft, agent, media_root=settings.core.media_root
        )
        message = await _final(scope, queued.id)
    assert message.state == DeliveryState.SENT
    [sent] = graph.state.sent
    assert sent["type"] == "document"
    assert sent["document"]["filename"] == "Prices Dec.pdf"
    assert sent["document"]["caption"] == "Our prices"
