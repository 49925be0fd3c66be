"""Storing accepted events in batches: the same rows as one by one, in a few statements."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from b2a.errors import NotFound
from b2a.inbox import service as inbox
from b2a.inbox.annotations import Annotation
from b2a.inbox.batch import store_batch
from b2a.inbox.rules import Direction, Owner, Transport
from b2a.inbox.tables import (
    Channel,
    Conversation,
    Customer,
    CustomerIdentity,
    InboundEvent,
    Message,
)
from b2a.tenants.scope import TenantScope
from b2a.whatsapp.inbound import Identity, InboundMessage

AT = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def msg(wamid, phone="923001234567", text="hi", *, at=AT, kind="text", target=""):
    identities = [Identity("wa_id", phone), Identity("phone", phone)]
    return InboundMessage(
        wamid, identities, phone, f"Customer {phone[-3:]}", kind, text, at, target_id=target
    )


@pytest.fixture
async def scope(cast):
    return TenantScope(cast.acme_owner.tenant_id)


@pytest.fixture
async def channel(scope):
    channel = scope.new(Channel, transport=Transport.CLOUD, phone_number_id=None)
    await channel.save()
    return channel.id


async def _accept(scope, channel, *messages):
    return [await inbox.accept_inbound(scope, channel, Transport.CLOUD, m) for m in messages]


async def _event_row(scope, channel, message, key):
    """An event row written as given (two events naming one WhatsApp id, a poison payload)."""
    event = scope.new(
        InboundEvent,
        channel=channel,
        source=Transport.CLOUD,
        dedupe_key=key,
        payload=json.dumps(message if isinstance(message, dict) else message.to_json()),
    )
    await event.save()
    return event.id


async def test_a_batch_of_new_customers_stores_each_like_one_by_one(scope, channel):
    events = await _accept(
        scope, channel, *(msg(f"wamid.{n}", f"92300000000{n}") for n in range(4))
    )
    stored = await store_batch([(scope.tenant_id, e) for e in events])
    assert [stored[e].duplicate for e in events] == [False] * 4
    assert all(stored[e].new_conversation and stored[e].owner == Owner.AI for e in events)
    assert len({stored[e].customer_id for e in events}) == 4
    assert await scope.count(Customer).run() == 4
    assert await scope.count(CustomerIdentity).run() == 8
    for n, event in enumerate(events):
        message = await scope.get(Message, stored[event].message_id)
        assert (message.wa_message_id, message.direction) == (f"wamid.{n}", Direction.INBOUND)
        assert message.conversation == stored[event].conversation_id
        customer = await scope.get(Customer, stored[event].customer_id)
        assert customer.phone == f"92300000000{n}"
        conversation = await scope.get(Conversation, stored[event].conversation_id)
        assert conversation.unread_count == 1
        assert conversation.window_expires_at == AT + timedelta(hours=24)
        assert stored[event].window_expires_at == AT + timedelta(hours=24)
        assert (await scope.get(InboundEvent, event)).processed_at is not None


async def test_the_same_customer_twice_in_a_batch_is_one_customer_and_one_conversation(
    scope, channel
):
    later = AT + timedelta(seconds=5)
    first, second = await _accept(
        scope, channel, msg("wamid.a", text="one"), msg("wamid.b", text="two", at=later)
    )
    stored = await store_batch([(scope.tenant_id, first), (scope.tenant_id, second)])
    assert stored[first].customer_id == stored[second].customer_id
    assert stored[first].conversation_id == stored[second].conversation_id
    assert stored[first].new_conversation and not stored[second].new_conversation
    assert stored[first].received_at < stored[second].received_at, "the batch's order is kept"
    assert await scope.count(Customer).run() == 1
    assert await scope.count(Conversation).run() == 1
    conversation = await scope.get(Conversation, stored[first].conversation_id)
    assert conversation.unread_count == 2
    assert (conversation.last_message_at, conversation.last_message_preview) == (later, "two")


async def test_a_known_customer_in_a_batch_writes_in_their_conversation(scope, channel):
    [earlier] = await _accept(scope, channel, msg("wamid.old"))
    before = await inbox.store_inbound(scope, earlier)
    conversation = await scope.get(Conversation, before.conversation_id)
    conversation.status = "RESOLVED"
    await conversation.save()
    known, new = await _accept(scope, channel, msg("wamid.again"), msg("wamid.new", "923009999999"))
    stored = await store_batch([(scope.tenant_id, known), (scope.tenant_id, new)])
    assert stored[known].customer_id == before.customer_id
    assert stored[known].conversation_id == before.conversation_id
    assert not stored[known].new_conversation and stored[new].new_conversation
    conversation = await scope.get(Conversation, before.conversation_id)
    assert (conversation.unread_count, conversation.status) == (2, "OPEN")


async def test_one_whatsapp_id_twice_in_a_batch_is_stored_once(scope, channel):
    first = await _event_row(scope, channel, msg("wamid.twice"), "msg:one")
    again = await _event_row(scope, channel, msg("wamid.twice"), "msg:two")
    stored = await store_batch([(scope.tenant_id, first), (scope.tenant_id, again)])
    assert not stored[first].duplicate and stored[again].duplicate
    assert stored[first].message_id == stored[again].message_id
    assert await scope.count(Message).run() == 1
    conversation = await scope.get(Conversation, stored[first].conversation_id)
    assert conversation.unread_count == 1


async def test_a_whatsapp_id_stored_by_an_earlier_batch_is_a_duplicate(scope, channel):
    first = await _event_row(scope, channel, msg("wamid.again"), "msg:one")
    earlier = await store_batch([(scope.tenant_id, first)])
    again = await _event_row(scope, channel, msg("wamid.again"), "msg:two")
    [other] = await _accept(scope, channel, msg("wamid.other", "923001111111"))
    stored = await store_batch([(scope.tenant_id, again), (scope.tenant_id, other)])
    assert stored[again].duplicate and not stored[other].duplicate
    assert stored[again].message_id == earlier[first].message_id
    assert stored[again].received_at == earlier[first].received_at
    conversation = await scope.get(Conversation, stored[again].conversation_id)
    assert conversation.unread_count == 1, "a duplicate changes nothing"
    assert await scope.count(Message).run() == 2


async def test_a_reaction_in_a_batch_applies_to_the_message_it_names(scope, channel):
    message, reaction = await _accept(
        scope,
        channel,
        msg("wamid.m"),
        msg("wamid.r", kind="reaction", text="👍", target="wamid.m"),
    )
    stored = await store_batch([(scope.tenant_id, message), (scope.tenant_id, reaction)])
    assert isinstance(stored[reaction], Annotation)
    assert stored[reaction].message_id == stored[message].message_id
    assert await scope.count(Message).run() == 1


async def test_a_poison_event_undoes_its_batch_and_fails_alone(scope, channel):
    good = await _accept(scope, channel, msg("wamid.g1"), msg("wamid.g2", "923002222222"))
    poison = await _event_row(
        scope, channel, {**msg("wamid.p").to_json(), "sent_at": "yesterday-ish"}, "msg:poison"
    )
    with pytest.raises(ValueError, match="yesterday-ish"):
        await store_batch([(scope.tenant_id, e) for e in (good[0], poison, good[1])])
    assert await scope.count(Message).run() == 0, "the whole batch rolled back"
    assert (await scope.get(InboundEvent, good[0])).processed_at is None
    for event in good:  # what each job then does: its own event alone
        assert not (await inbox.store_inbound(scope, event)).duplicate
    with pytest.raises(ValueError, match="yesterday-ish"):
        await inbox.store_inbound(scope, poison)
    assert await scope.count(Message).run() == 2


async def test_a_missing_event_fails_the_batch(scope, channel):
    [good] = await _accept(scope, channel, msg("wamid.g"))
    other_tenant_event = await _event_row(scope, channel, msg("wamid.x"), "msg:x")
    with pytest.raises(NotFound):
        await store_batch([(scope.tenant_id, good), (channel, other_tenant_event)])
    assert await scope.count(Message).run() == 0
