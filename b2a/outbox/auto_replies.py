"""The reply step after a customer message is stored: greeting, away message, assistant.

It runs at most once per inbound message: the step claims the message with one
conditional UPDATE of ``replied_at``, so a redelivered webhook or a retried job
never greets or answers twice. Conversations owned by humans get nothing
automatic: the assistant and the automatic messages stay silent until handed back.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from uuid import UUID

from b2a.assistant.hook import on_customer_message
from b2a.db.transaction import atomic
from b2a.inbox.rules import Author, Direction, Owner
from b2a.inbox.service import StoredInbound
from b2a.inbox.tables import Conversation, Message
from b2a.lib import clock
from b2a.outbox.queueing import (
    Draft,
    Sender,
    WindowClosed,
    enqueue_send,
    resume_unsent,
    store_outbound,
)
from b2a.tenants.hours import is_open, opening_days
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant

log = logging.getLogger(__name__)

# One away message per conversation per this long, however often the customer writes.
AWAY_EVERY = timedelta(hours=12)
SYSTEM = Sender(Author.SYSTEM)


async def reply_step(scope: TenantScope, stored: StoredInbound) -> list[UUID]:
    """Queue the automatic replies this message calls for; the ids of the queued messages.

    The claim and the replies commit together, so a crash leaves either no trace
    (the retried job replies) or the replies stored (their send jobs follow the
    commit, or the stranded-send sweep gives them one).
    """
    if stored.from_me:
        return []
    async with atomic():
        if not await _claim(scope, stored.message_id):
            # A retried job: the step committed; its replies may still lack a send job.
            await resume_unsent(scope, stored.conversation_id)
            return []
        conversation = await scope.get(Conversation, stored.conversation_id)
        if conversation.owner == Owner.HUMAN:
            return []
        first = await _opens_conversation(scope, conversation.id, stored.message_id)
        queued = await _automatic_replies(scope, conversation, first)
    for message_id in queued:
        await enqueue_send(scope.tenant_id, message_id)
    await on_customer_message(scope, conversation.id, stored.message_id)
    return queued


async def _automatic_replies(
    scope: TenantScope, conversation: Conversation, new_conversation: bool
) -> list[UUID]:
    tenant = await Tenant.objects().where(Tenant.id == scope.tenant_id).first()
    if tenant is None:
        return []
    queued: list[UUID | None] = []
    greeting = tenant.greeting_message.strip()
    if new_conversation and greeting:
        queued.append(await _store(scope, conversation.id, greeting))
    away = tenant.away_message.strip()
    if (
        away
        and not is_open(await opening_days(scope), tenant.time_zone, clock.now())
        and not await _sent_recently(scope, conversation.id, away)
    ):
        queued.append(await _store(scope, conversation.id, away))
    return [message_id for message_id in queued if message_id is not None]


async def _opens_conversation(scope: TenantScope, conversation_id: UUID, message_id: UUID) -> bool:
    """Whether nothing was said in the conversation before this message.

    Read from the messages rather than from whether this job created the
    conversation: a job retried after a crash finds the conversation it created.
    """
    message = await scope.get(Message, message_id)
    return not await scope.exists(Message).where(
        (Message.conversation == conversation_id)
        & (Message.id != message_id)
        & ((Message.direction == Direction.OUTBOUND) | (Message.created_at < message.created_at))
    )


async def _claim(scope: TenantScope, message_id: UUID) -> bool:
    rows = (
        await scope.update(Message, {Message.replied_at: clock.now()})
        .where((Message.id == message_id) & Message.replied_at.is_null())
        .returning(Message.id)
    )
    return bool(rows)


async def _store(scope: TenantScope, conversation_id: UUID, text: str) -> UUID | None:
    try:
        message = await store_outbound(scope, conversation_id, Draft(text=text), SYSTEM)
    except WindowClosed:
        # A message Meta delivered a day late: the window it opened has closed again.
        log.info("conversation %s: window closed, automatic reply skipped", conversation_id)
        return None
    return message.id


async def _sent_recently(scope: TenantScope, conversation_id: UUID, text: str) -> bool:
    return bool(
        await scope.exists(Message).where(
            (Message.conversation == conversation_id)
            & (Message.direction == Direction.OUTBOUND)
            & (Message.author == Author.SYSTEM)
            & (Message.text == text)
            & (Message.created_at > clock.now() - AWAY_EVERY)
        )
    )
