"""The reply steps of many messages in one transaction: what each would do one after the other."""

import dataclasses
from zoneinfo import ZoneInfoNotFoundError

import pytest

from b2a.inbox import service as inbox
from b2a.inbox.batch import store_batch
from b2a.inbox.rules import Author, Direction, Owner, Transport
from b2a.inbox.tables import Conversation, Message
from b2a.lib import clock
from b2a.outbox.auto_replies import finish_reply_step, reply_batch, reply_step
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant
from b2a.whatsapp.inbound import Identity, InboundMessage
from tests.integration.outbox.replies import replying_tenant
from tests.pipeline import installed_queue


def _message(wamid, phone, *, kind="text", text="salam"):
    return InboundMessage(
        wamid, [Identity("wa_id", phone)], phone, "Ayesha", kind, text, clock.now()
    )


async def _stored(scope, channel, *messages):
    """The messages stored together, as the worker's storing batch does."""
    events = [await inbox.accept_inbound(scope, channel, Transport.SANDBOX, m) for m in messages]
    stored = await store_batch([(scope.tenant_id, e) for e in events])
    return [stored[e] for e in events]


async def _texts(scope, author=Author.SYSTEM):
    rows = await scope.select(Message, Message.conversation, Message.text).where(
        (Message.direction == Direction.OUTBOUND) & (Message.author == author)
    )
    return sorted((str(row["conversation"]), row["text"]) for row in rows)


@pytest.fixture
def settings(make_settings, db):
    return make_settings(B2A_DB_URL=db.url)


async def test_a_batch_of_tenants_and_conversations_greets_each_new_conversation_once(
    cast, settings, redis
):
    acme = TenantScope(cast.acme_owner.tenant_id)
    globex = TenantScope(cast.globex_owner.tenant_id)
    acme_channel = await replying_tenant(acme, greeting="Welcome to Acme!")
    globex_channel = await replying_tenant(globex, greeting="Globex says hi.")
    # Two messages of one new conversation and one of another, stored in one batch.
    a1, a2, b1 = await _stored(
        acme,
        acme_channel,
        _message("w1", "923001111111"),
        _message("w2", "923001111111"),
        _message("w3", "923002222222"),
    )
    [g1] = await _stored(globex, globex_channel, _message("w1", "923001111111"))
    assert a1.conversation_id == a2.conversation_id != b1.conversation_id
    async with installed_queue(settings):
        done = await reply_batch(
            [
                (acme.tenant_id, a1),
                (globex.tenant_id, g1),
                (acme.tenant_id, a2),
                (acme.tenant_id, b1),
            ]
        )
        assert all(step.claimed and step.found and not step.turn for step in done.values())
        assert [len(done[(acme.tenant_id, s)].queued) for s in (a1, a2, b1)] == [1, 0, 1]
        assert len(done[(globex.tenant_id, g1)].queued) == 1
        assert await finish_reply_step(acme, a1, done[(acme.tenant_id, a1)]) == list(
            done[(acme.tenant_id, a1)].queued
        )
    assert await _texts(acme) == sorted(
        [
            (str(a1.conversation_id), "Welcome to Acme!"),
            (str(b1.conversation_id), "Welcome to Acme!"),
        ]
    )
    assert await _texts(globex) == [(str(g1.conversation_id), "Globex says hi.")]
    for stored in (a1, a2, b1):
        assert (await acme.get(Message, stored.message_id)).replied_at is not None
    conversation = await acme.get(Conversation, a1.conversation_id)
    assert conversation.last_message_preview == "Welcome to Acme!"


async def test_two_messages_of_a_conversation_in_a_batch_get_the_away_message_once(
    cast, settings, redis
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await replying_tenant(scope, greeting="Hi!", away="Closed.", closed_all_week=True)
    first, second = await _stored(
        scope, channel, _message("w1", "923001111111"), _message("w2", "923001111111")
    )
    async with installed_queue(settings):
        done = await reply_batch([(scope.tenant_id, first), (scope.tenant_id, second)])
        # One after the other, a third message finds both said.
        [third] = await _stored(scope, channel, _message("w3", "923001111111"))
        assert await reply_step(scope, third) == []
    assert len(done[(scope.tenant_id, first)].queued) == 2
    assert done[(scope.tenant_id, second)].queued == ()
    thread = str(first.conversation_id)
    assert await _texts(scope) == [(thread, "Closed."), (thread, "Hi!")]
    greeting, away = [await scope.get(Message, i) for i in done[(scope.tenant_id, first)].queued]
    assert greeting.created_at < away.created_at, "the greeting first, as one by one"


async def test_with_a_turn_to_come_the_batch_leaves_the_lead_on_the_first_message_only(
    cast, settings, redis
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await replying_tenant(
        scope, greeting="Welcome!", away="We are closed.", closed_all_week=True, assistant=True
    )
    first, second = await _stored(
        scope, channel, _message("w1", "923001111111"), _message("w2", "923001111111")
    )
    async with installed_queue(settings) as queue:
        done = await reply_batch([(scope.tenant_id, first), (scope.tenant_id, second)])
        assert all(step.turn and step.queued == () for step in done.values())
        for stored in (first, second):
            await finish_reply_step(scope, stored, done[(scope.tenant_id, stored)])
            assert await queue.job(f"assistant_reply:{stored.message_id}") is not None
    assert await _texts(scope) == []
    leads = [await scope.get(Message, s.message_id) for s in (first, second)]
    assert [(m.lead_greeting, m.lead_away) for m in leads] == [
        ("Welcome!", "We are closed."),
        ("", ""),
    ]


async def test_a_message_after_a_hand_over_in_its_batch_gets_nothing_automatic(
    cast, settings, redis
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await replying_tenant(scope, away="Closed.", closed_all_week=True, assistant=True)
    location, text = await _stored(
        scope,
        channel,
        _message("w1", "923001111111", kind="location", text=""),
        _message("w2", "923001111111"),
    )
    async with installed_queue(settings) as queue:
        done = await reply_batch([(scope.tenant_id, location), (scope.tenant_id, text)])
        for stored in (location, text):
            await finish_reply_step(scope, stored, done[(scope.tenant_id, stored)])
        assert await queue.job(f"assistant_reply:{text.message_id}") is None
    assert [step.turn for step in done.values()] == [False, False]
    assert await _texts(scope) == [(str(location.conversation_id), "Closed.")]
    conversation = await scope.get(Conversation, location.conversation_id)
    assert (conversation.owner, conversation.owner_reason) == (
        Owner.HUMAN,
        "the customer sent a location",
    )


async def test_a_retried_job_in_a_batch_finds_its_message_claimed_and_resumes_its_send(
    cast, settings, redis
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await replying_tenant(scope, greeting="Welcome to Acme!")
    [retried] = await _stored(scope, channel, _message("w1", "923001111111"))
    async with installed_queue(settings) as queue:
        [greeting] = await reply_step(scope, retried)
        await redis.flushdb()  # the worker died after the commit, before the send
        [other] = await _stored(scope, channel, _message("w2", "923002222222"))
        # The same message twice (a redelivered webhook) is claimed by one step only.
        twice = dataclasses.replace(other, duplicate=True)
        items = [(scope.tenant_id, s) for s in (retried, other, twice)]
        done = await reply_batch(items)
        assert [(step.claimed, len(step.queued)) for step in done.values()] == [
            (False, 0),
            (True, 1),
            (False, 0),
        ]
        assert await finish_reply_step(scope, retried, done[items[0]]) == []
        assert await queue.job(f"send:{greeting}:first") is not None
    assert len(await _texts(scope)) == 2


async def test_a_poison_message_fails_its_batch_and_the_others_then_go_alone(cast, settings, redis):
    acme = TenantScope(cast.acme_owner.tenant_id)
    globex = TenantScope(cast.globex_owner.tenant_id)
    # Acme's step cannot tell whether it is open: its time zone is not one this server knows.
    acme_channel = await replying_tenant(acme, away="Closed.", closed_all_week=True)
    await Tenant.update({Tenant.time_zone: "Mars/Olympus_Mons"}).where(Tenant.id == acme.tenant_id)
    globex_channel = await replying_tenant(globex, greeting="Globex says hi.")
    [poison] = await _stored(acme, acme_channel, _message("w1", "923001111111"))
    [good] = await _stored(globex, globex_channel, _message("w1", "923001111111"))
    async with installed_queue(settings):
        with pytest.raises(ZoneInfoNotFoundError):
            await reply_batch([(globex.tenant_id, good), (acme.tenant_id, poison)])
        assert (await globex.get(Message, good.message_id)).replied_at is None, "rolled back"
        assert len(await reply_step(globex, good)) == 1
        with pytest.raises(ZoneInfoNotFoundError):
            await reply_step(acme, poison)
    assert await _texts(globex) == [(str(good.conversation_id), "Globex says hi.")]
    assert (await acme.get(Message, poison.message_id)).replied_at is None
