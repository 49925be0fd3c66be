"""The reply step: a greeting once per new conversation, an away message outside hours.

With the assistant on they are the lead of its turn (one reply per turn); with it
off, or when no turn runs, they go as system messages of their own.
"""

from datetime import timedelta

from b2a.assistant.tables import AssistantConfig
from b2a.inbox import service as inbox
from b2a.inbox.rules import Author, DeliveryState, Direction, Owner, Transport
from b2a.inbox.tables import Conversation, Message
from b2a.lib import clock
from b2a.outbox.auto_replies import reply_step
from b2a.tenants.scope import TenantScope
from b2a.whatsapp.inbound import Identity, InboundMessage
from tests.integration.outbox.replies import replying_tenant
from tests.pipeline import installed_queue

PHONE = "923001234567"


def _message(wamid, *, from_me=False):
    return InboundMessage(
        wamid,
        [Identity("wa_id", PHONE)],
        PHONE,
        "Ayesha",
        "text",
        "salam",
        clock.now(),
        from_me=from_me,
    )


async def _receive(scope, channel_id, wamid, **kwargs):
    event_id = await inbox.accept_inbound(
        scope, channel_id, Transport.SANDBOX, _message(wamid, **kwargs)
    )
    return await inbox.store_inbound(scope, event_id)


async def _automatic_texts(scope):
    rows = await scope.select(Message, Message.text).where(
        (Message.direction == Direction.OUTBOUND) & (Message.author == Author.SYSTEM)
    )
    return [row["text"] for row in rows]


async def test_a_new_conversation_is_greeted_once_however_often_the_step_runs(
    cast, make_settings, db, redis
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await replying_tenant(scope, greeting="Welcome to Acme!")
    async with installed_queue(make_settings(B2A_DB_URL=db.url)):
        first = await _receive(scope, channel, "w1")
        assert len(await reply_step(scope, first)) == 1
        assert await reply_step(scope, first) == []  # the job retried after a crash
        second = await _receive(scope, channel, "w2")
        assert await reply_step(scope, second) == []  # not a new conversation
    assert await _automatic_texts(scope) == ["Welcome to Acme!"]


async def test_outside_opening_hours_the_away_message_goes_once_per_twelve_hours(
    cast, make_settings, db, redis
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await replying_tenant(scope, away="We are closed; back at 9.", closed_all_week=True)
    async with installed_queue(make_settings(B2A_DB_URL=db.url)):
        for wamid in ("w1", "w2", "w3"):
            await reply_step(scope, await _receive(scope, channel, wamid))
        assert await _automatic_texts(scope) == ["We are closed; back at 9."]
        await scope.update(Message, {Message.created_at: clock.now() - timedelta(hours=13)}).where(
            Message.direction == Direction.OUTBOUND
        )
        await reply_step(scope, await _receive(scope, channel, "w4"))
    assert len(await _automatic_texts(scope)) == 2


async def test_open_hours_send_no_away_message(cast, make_settings, db, redis):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await replying_tenant(scope, away="We are closed.")
    async with installed_queue(make_settings(B2A_DB_URL=db.url)):
        await reply_step(scope, await _receive(scope, channel, "w1"))
    assert await _automatic_texts(scope) == []


async def test_human_owned_conversations_and_phone_echoes_get_nothing_automatic(
    cast, make_settings, db, redis
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await replying_tenant(scope, greeting="Hi!", away="Closed.", closed_all_week=True)
    async with installed_queue(make_settings(B2A_DB_URL=db.url)):
        echo = await _receive(scope, channel, "w0", from_me=True)
        assert await reply_step(scope, echo) == []
        await scope.update(Conversation, {Conversation.owner: Owner.HUMAN}).where(
            Conversation.id == echo.conversation_id
        )
        assert await reply_step(scope, await _receive(scope, channel, "w1")) == []
    assert await _automatic_texts(scope) == []


async def test_the_assistant_gets_a_turn_unless_the_tenant_switched_it_off(
    cast, make_settings, db, redis
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await replying_tenant(scope, assistant=True)
    async with installed_queue(make_settings(B2A_DB_URL=db.url)) as queue:
        first = await _receive(scope, channel, "w1")
        await reply_step(scope, first)
        await scope.new(AssistantConfig, enabled=False).save()
        second = await _receive(scope, channel, "w2")
        await reply_step(scope, second)
        assert await queue.job(f"assistant_reply:{first.message_id}") is not None
        assert await queue.job(f"assistant_reply:{second.message_id}") is None


async def test_a_step_retried_after_its_commit_queues_the_lost_send_and_turn_again(
    cast, make_settings, db, redis
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await replying_tenant(scope, greeting="Welcome to Acme!")
    async with installed_queue(make_settings(B2A_DB_URL=db.url)) as queue:
        stored = await _receive(scope, channel, "w1")
        [greeting] = await reply_step(scope, stored)
        assert await queue.job(f"send:{greeting}:first") is None, "its caller sends it"
        await redis.flushdb()  # the worker died after the commit, before queueing the turn
        assert await reply_step(scope, stored) == []
        assert await queue.job(f"send:{greeting}:first") is not None
    assert await _automatic_texts(scope) == ["Welcome to Acme!"]


async def test_a_step_retried_after_its_send_was_cut_off_gives_that_send_a_job(
    cast, make_settings, db, redis
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await replying_tenant(scope, greeting="Welcome to Acme!")
    async with installed_queue(make_settings(B2A_DB_URL=db.url)) as queue:
        stored = await _receive(scope, channel, "w1")
        [greeting] = await reply_step(scope, stored)
        # The worker died mid-send: the job had claimed the reply (SENDING).
        await scope.update(
            Message, {Message.state: DeliveryState.SENDING, Message.attempts: 1}
        ).where(Message.id == greeting)
        assert await reply_step(scope, stored) == []
        assert await queue.job(f"send:{greeting}:first") is not None, "it decides: resend or not"


async def test_a_step_retried_after_its_commit_queues_the_lost_turn_again_with_its_lead(
    cast, make_settings, db, redis
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await replying_tenant(scope, greeting="Welcome to Acme!", assistant=True)
    async with installed_queue(make_settings(B2A_DB_URL=db.url)) as queue:
        stored = await _receive(scope, channel, "w1")
        assert await reply_step(scope, stored) == []
        await redis.flushdb()  # the worker died after the commit, before queueing the turn
        assert await reply_step(scope, stored) == []
        assert await queue.job(f"assistant_reply:{stored.message_id}") is not None
    assert await _automatic_texts(scope) == []
    assert await _lead(scope, stored) == ("Welcome to Acme!", "")


async def _lead(scope, stored):
    message = await scope.get(Message, stored.message_id)
    return message.lead_greeting, message.lead_away


async def test_with_a_turn_to_come_greeting_and_away_wait_on_the_message_as_its_lead(
    cast, make_settings, db, redis
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await replying_tenant(
        scope, greeting="Welcome!", away="We are closed.", closed_all_week=True, assistant=True
    )
    async with installed_queue(make_settings(B2A_DB_URL=db.url)) as queue:
        first = await _receive(scope, channel, "w1")
        assert await reply_step(scope, first) == []
        assert await queue.job(f"assistant_reply:{first.message_id}") is not None
        second = await _receive(scope, channel, "w2")
        await reply_step(scope, second)
    assert await _automatic_texts(scope) == []
    assert await _lead(scope, first) == ("Welcome!", "We are closed.")
    assert await _lead(scope, second) == ("", ""), "greeted and told once: the lead counts"


async def test_a_step_retried_after_the_assistant_was_switched_off_sends_the_lead_alone(
    cast, make_settings, db, redis
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await replying_tenant(scope, greeting="Welcome!", assistant=True)
    async with installed_queue(make_settings(B2A_DB_URL=db.url)) as queue:
        stored = await _receive(scope, channel, "w1")
        await reply_step(scope, stored)
        await redis.flushdb()  # the worker died after the commit, before queueing the turn
        await scope.new(AssistantConfig, enabled=False).save()
        assert await reply_step(scope, stored) == []
        assert await reply_step(scope, stored) == []
        assert await queue.job(f"assistant_reply:{stored.message_id}") is None
    assert await _automatic_texts(scope) == ["Welcome!"]
