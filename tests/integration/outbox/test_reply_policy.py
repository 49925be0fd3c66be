"""What each inbound kind gets automatically, through the worker's ``process_inbound`` task."""

from b2a.audit.tables import AuditEntry
from b2a.inbox import service as inbox
from b2a.inbox.rules import Author, Direction, Owner, Transport
from b2a.inbox.tables import Channel, Conversation, Message
from b2a.lib import clock, events
from b2a.outbox.auto_replies import hand_over_reason
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant, WorkingHours
from b2a.whatsapp.inbound import Identity, InboundMessage
from b2a.worker.tasks.inbox import process_inbound
from tests.pipeline import installed_queue

PHONE = "923001234567"
LOCATION = {"latitude": 24.86, "longitude": 67.0, "name": "Dolmen Mall", "address": "Clifton"}


def inbound(wamid, kind="text", text="salam", **fields):
    return InboundMessage(
        wamid, [Identity("wa_id", PHONE)], PHONE, "Ayesha", kind, text, clock.now(), **fields
    )


class Pipeline:
    """A sandbox channel and the worker's task, with the queue installed and events heard."""

    def __init__(self, scope, queue, redis, channel_id, settings):
        self.scope, self.queue, self.redis = scope, queue, redis
        self.channel_id, self.settings = channel_id, settings

    async def receive(self, message):
        event_id = await inbox.accept_inbound(
            self.scope, self.channel_id, Transport.SANDBOX, message
        )
        ctx = {"redis": self.redis, "settings": self.settings}
        return await process_inbound(
            ctx, tenant_id=str(self.scope.tenant_id), event_id=str(event_id)
        )

    async def turn_queued(self, wamid):
        message = await self.scope.objects(Message).where(Message.wa_message_id == wamid).first()
        return await self.queue.job(f"assistant_reply:{message.id}") is not None

    async def conversation(self):
        return await self.scope.objects(Conversation).first()

    async def automatic_texts(self):
        rows = await self.scope.select(Message, Message.text).where(
            (Message.direction == Direction.OUTBOUND) & (Message.author == Author.SYSTEM)
        )
        return [row["text"] for row in rows]


async def _pipeline(cast, make_settings, db, redis, queue, *, greeting="", away=""):
    scope = TenantScope(cast.acme_owner.tenant_id)
    await Tenant.update({Tenant.greeting_message: greeting, Tenant.away_message: away}).where(
        Tenant.id == scope.tenant_id
    )
    if away:
        for weekday in range(7):
            await scope.new(WorkingHours, weekday=weekday, closed=True).save()
    channel = scope.new(Channel, transport=Transport.SANDBOX)
    await channel.save()
    return Pipeline(scope, queue, redis, channel.id, make_settings(B2A_DB_URL=db.url))


async def test_a_reaction_a_deletion_and_a_sticker_get_nothing_automatic(
    cast, make_settings, db, redis
):
    async with installed_queue(make_settings(B2A_DB_URL=db.url)) as queue:
        run = await _pipeline(cast, make_settings, db, redis, queue, away="Closed.")
        await run.receive(inbound("w1", text="price?"))
        first = await run.scope.objects(Message).where(Message.wa_message_id == "w1").first()
        assert first.lead_away == "Closed.", "the assistant's turn says it first"
        assert await run.turn_queued("w1")
        await redis.flushdb()

        reacted = await run.receive(inbound("w2", "reaction", "👍", target_id="w1"))
        deleted = await run.receive(inbound("w3", "revoke", "", target_id="w1"))
        await run.receive(inbound("w4", "sticker", "", data={"animated": False}))

        assert reacted["outcome"] == deleted["outcome"] == "applied"
        assert await run.queue.count("queued") == 0  # no send, no turn
        assert not await run.turn_queued("w4")
        assert await run.automatic_texts() == []
        conversation = await run.conversation()
        assert (conversation.owner, conversation.owner_reason) == (Owner.AI, "")
        stored = await events.read_after(redis, str(run.scope.tenant_id), events.START, block_ms=1)
        heard = [e.kind for e in stored]
        assert heard == ["message.updated", "message.updated", "message.created"]


async def test_a_location_hands_the_conversation_to_humans_quietly_after_the_greeting(
    cast, make_settings, db, redis
):
    async with installed_queue(make_settings(B2A_DB_URL=db.url)) as queue:
        run = await _pipeline(cast, make_settings, db, redis, queue, greeting="Welcome!")
        await run.receive(inbound("w1", "location", "📍 Dolmen Mall, Clifton", data=LOCATION))
        conversation = await run.conversation()
        assert conversation.owner == Owner.HUMAN
        assert conversation.owner_reason == "the customer sent a location"
        assert await run.automatic_texts() == ["Welcome!"]  # and no hand-off text
        assert not await run.turn_queued("w1")
        entry = await AuditEntry.objects().where(AuditEntry.event == "assistant.handoff").first()
        assert entry is not None


async def test_a_photo_with_a_caption_is_the_assistants_to_answer(cast, make_settings, db, redis):
    async with installed_queue(make_settings(B2A_DB_URL=db.url)) as queue:
        run = await _pipeline(cast, make_settings, db, redis, queue)
        await run.receive(inbound("w1", "image", "how much for this dress?"))
        await run.receive(inbound("w2", "reply", "Book a fitting", data={"id": "book"}))
        assert await run.turn_queued("w1") and await run.turn_queued("w2")
        assert (await run.conversation()).owner == Owner.AI
        await run.receive(inbound("w3", "image", ""))
        conversation = await run.conversation()
        assert (conversation.owner, conversation.owner_reason) == (
            Owner.HUMAN,
            "the customer sent a photo",
        )
        assert not await run.turn_queued("w3")


async def test_a_system_notice_is_neither_unread_nor_answered(cast, make_settings, db, redis):
    async with installed_queue(make_settings(B2A_DB_URL=db.url)) as queue:
        run = await _pipeline(cast, make_settings, db, redis, queue, greeting="Welcome!")
        data = {"type": "customer_identity_changed", "body": "Ayesha's security code changed"}
        await run.receive(inbound("w1", "system", "Ayesha's security code changed", data=data))
        conversation = await run.conversation()
        assert conversation.unread_count == 0 and conversation.owner == Owner.AI
        assert await run.automatic_texts() == []
        assert not await run.turn_queued("w1")


def test_only_words_reach_the_assistant_and_the_rest_names_what_was_sent():
    assert hand_over_reason("text", "hi") == hand_over_reason("reply", "Yes") == ""
    assert hand_over_reason("document", "the menu") == ""
    assert hand_over_reason("audio", "") == "the customer sent a voice message"
    for kind in ("location", "contacts", "form", "order", "poll", "unsupported"):
        assert hand_over_reason(kind, "📍 words").startswith("the customer ")
    for kind in ("sticker", "system", "reaction", "edit", "revoke"):
        assert hand_over_reason(kind, "") == ""
