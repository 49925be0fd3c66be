import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from b2a.inbox import recovery
from b2a.inbox import service as inbox
from b2a.inbox.recovery import SweepResult
from b2a.inbox.rules import ConversationStatus, Direction, Owner, Transport
from b2a.inbox.tables import (
    Channel,
    Conversation,
    Customer,
    CustomerIdentity,
    InboundEvent,
    Message,
)
from b2a.lib import clock
from b2a.tenants.scope import TenantScope
from b2a.whatsapp.inbound import Identity, InboundMessage
from tests.pipeline import installed_queue

AT = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


@pytest.fixture
def settings(make_settings, db, tmp_path):
    return make_settings(B2A_DB_URL=db.url, B2A_HOME=str(tmp_path))


def msg(wamid, text="hi", phone="923001234567", *, from_me=False, at=AT, lid=None):
    identities = [Identity("wa_id", phone), Identity("phone", phone)]
    if lid:
        identities.append(Identity("lid", lid))
    return InboundMessage(wamid, identities, phone, "Ayesha", "text", text, at, from_me=from_me)


async def _channel(scope):
    channel = scope.new(Channel, transport=Transport.CLOUD, phone_number_id=None)
    await channel.save()
    return channel.id


async def _receive(scope, channel_id, message):
    event_id = await inbox.accept_inbound(scope, channel_id, Transport.CLOUD, message)
    return event_id, (await inbox.store_inbound(scope, event_id) if event_id else None)


async def test_a_first_message_creates_customer_identities_conversation_and_message(cast):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await _channel(scope)
    _, stored = await _receive(scope, channel, msg("wamid.1", "price kya hai?"))
    assert stored.new_conversation and stored.owner == Owner.AI and not stored.duplicate
    customer = await scope.get(Customer, stored.customer_id)
    assert (customer.name, customer.phone) == ("Ayesha", "923001234567")
    assert await scope.count(CustomerIdentity).run() == 2
    conversation = await scope.get(Conversation, stored.conversation_id)
    assert conversation.unread_count == 1
    assert conversation.window_expires_at == AT + timedelta(hours=24)
    message = await scope.get(Message, stored.message_id)
    assert message.direction == Direction.INBOUND and message.text == "price kya hai?"


async def test_a_redelivered_message_is_accepted_once_and_stored_once(cast):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await _channel(scope)
    event_id, _ = await _receive(scope, channel, msg("wamid.dup"))
    again, _ = await _receive(scope, channel, msg("wamid.dup"))
    assert event_id and again is None
    retry = await inbox.store_inbound(scope, event_id)  # a worker retry after a crash
    assert retry.duplicate
    assert await scope.count(Message).run() == 1
    assert (await scope.get(Conversation, retry.conversation_id)).unread_count == 1


async def test_a_new_identity_of_a_known_customer_maps_to_the_same_customer(cast):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await _channel(scope)
    await _receive(scope, channel, msg("wamid.a"))
    await _receive(scope, channel, msg("wamid.b", lid="1234@lid"))
    assert await scope.count(Customer).run() == 1
    assert await scope.count(CustomerIdentity).run() == 3
    assert await scope.count(Conversation).run() == 1


async def test_a_resolved_conversation_reopens_and_an_echo_hands_it_to_humans(cast):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await _channel(scope)
    _, first = await _receive(scope, channel, msg("wamid.1"))
    await scope.update(Conversation, {Conversation.status: ConversationStatus.RESOLVED}).run()
    await _receive(scope, channel, msg("wamid.2", at=AT + timedelta(hours=1)))
    conversation = await scope.get(Conversation, first.conversation_id)
    assert conversation.status == ConversationStatus.OPEN
    await _receive(scope, channel, msg("wamid.3", "I'll call you", from_me=True))
    conversation = await scope.get(Conversation, first.conversation_id)
    assert conversation.owner == Owner.HUMAN
    echo = await scope.objects(Message).where(Message.wa_message_id == "wamid.3").first()
    assert echo.direction == Direction.OUTBOUND


async def test_the_same_whatsapp_id_in_two_tenants_stays_apart(cast):
    acme, globex = TenantScope(cast.acme_owner.tenant_id), TenantScope(cast.globex_owner.tenant_id)
    await _receive(acme, await _channel(acme), msg("wamid.same"))
    _, stored = await _receive(globex, await _channel(globex), msg("wamid.same"))
    assert not stored.duplicate
    assert await acme.count(Message).run() == 1 and await globex.count(Message).run() == 1


async def test_events_accepted_but_never_queued_are_queued_again_once(cast, settings, redis):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await _channel(scope)
    stranded_id = await inbox.accept_inbound(scope, channel, Transport.CLOUD, msg("wamid.s1"))
    await _receive(scope, channel, msg("wamid.s2"))
    await scope.update(
        InboundEvent, {InboundEvent.created_at: clock.now() - timedelta(minutes=5)}
    ).run()
    async with installed_queue(settings) as queue:
        assert await recovery.requeue_stranded(older_than=timedelta(hours=1)) == SweepResult(0, 0)
        assert await recovery.requeue_stranded() == SweepResult(requeued=1, dead=0)
        assert await recovery.requeue_stranded() == SweepResult(0, 0), "its job is queued now"
        job = await queue.job(f"process_inbound:{stranded_id}")
    assert job.kwargs == {"tenant_id": str(scope.tenant_id), "event_id": str(stranded_id)}
    event = await scope.get(InboundEvent, stranded_id)
    assert event.attempts == 1 and "queued again" in event.last_error and event.dead_at is None


async def test_two_first_messages_processed_at_once_make_one_customer_and_one_conversation(cast):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await _channel(scope)
    events = [
        await inbox.accept_inbound(scope, channel, Transport.CLOUD, msg(wamid))
        for wamid in ("wamid.r1", "wamid.r2")
    ]
    stored = await asyncio.gather(*(inbox.store_inbound(scope, e) for e in events))
    assert stored[0].customer_id == stored[1].customer_id
    assert stored[0].conversation_id == stored[1].conversation_id
    assert await scope.count(Customer).run() == 1
    assert await scope.count(CustomerIdentity).run() == 2
    assert await scope.count(Message).run() == 2
