"""The reply step after a customer message is stored: greeting, away message, assistant.

It runs at most once per inbound message: the step claims the message with one
conditional UPDATE of ``replied_at``, so a redelivered webhook or a retried job
never greets or answers twice. Conversations owned by humans get nothing
automatic: the assistant and the automatic messages stay silent until handed back.

What the customer sent decides how far it goes (``hand_over_reason``): the
assistant takes a turn only for words it can read (text, a tapped button, a
caption). A location, a contact card, a form, an order, a poll, a file without
words or a message WhatsApp could not show needs a person: the conversation is
handed to humans quietly (no hand-off text to the customer), after the greeting
and away message rules. A sticker or a notice from WhatsApp gets nothing
automatic at all; reactions, edits and deletions never reach this step.

It runs for every customer message, so it reads what storing the message already
learnt (``StoredInbound``: the conversation's window, whether it is new) and, in
one statement, the conversation's owner, its channel's transport, the tenant's
automatic texts and whether the tenant's assistant is on (a tenant that switched
it off gets no assistant job at all; the turn still checks the switch itself).

One reply per turn: when the assistant will take a turn for the message, the
greeting and away message are not stored on their own but left on the customer's
message (``lead_greeting``, ``lead_away``) in the claiming transaction; the turn
says them first in its one reply, or ``assistant.lead.release`` sends them when no
turn answers after all (``b2a.assistant.lead``).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from uuid import UUID

from b2a.assistant.hook import on_customer_message
from b2a.assistant.lead import release
from b2a.audit import service as audit
from b2a.db.sql import Row, Statement
from b2a.db.transaction import atomic
from b2a.inbox.rules import Author, Direction, MessageKind, Owner
from b2a.inbox.service import StoredInbound
from b2a.inbox.tables import Message
from b2a.lib import clock
from b2a.outbox.queueing import WindowClosed, resume_unsent, store_system_text
from b2a.tenants.actor import Actor
from b2a.tenants.hours import is_open, opening_days
from b2a.tenants.rules import Role
from b2a.tenants.scope import TenantScope
from b2a.whatsapp.inbound import ANNOTATIONS

log = logging.getLogger(__name__)

# One away message per conversation per this long, however often the customer writes.
AWAY_EVERY = timedelta(hours=12)

SILENT = frozenset((MessageKind.STICKER, MessageKind.SYSTEM, *ANNOTATIONS))
"""Kinds that get nothing automatic: no greeting, no away message, no turn, no hand-over."""
_READABLE = frozenset((MessageKind.TEXT, MessageKind.REPLY))
_CAPTIONED = frozenset((MessageKind.IMAGE, MessageKind.DOCUMENT, MessageKind.VIDEO))
_NEEDS_A_PERSON: dict[str, str] = {
    MessageKind.IMAGE: "the customer sent a photo",
    MessageKind.DOCUMENT: "the customer sent a document",
    MessageKind.AUDIO: "the customer sent a voice message",
    MessageKind.VIDEO: "the customer sent a video",
    MessageKind.LOCATION: "the customer sent a location",
    MessageKind.CONTACTS: "the customer sent a contact card",
    MessageKind.FORM: "the customer filled in a form",
    MessageKind.ORDER: "the customer sent an order from the catalogue",
    MessageKind.POLL: "the customer sent a poll",
    MessageKind.UNSUPPORTED: "the customer sent a message WhatsApp could not show",
}
_HAND_OVER = Statement(
    """UPDATE conversation SET owner = :owner, owner_reason = :reason
    WHERE id = :id AND (tenant = :tenant) IS TRUE"""
)
_CLAIM = Statement(
    """UPDATE message SET replied_at = :at
    WHERE id = :id AND (tenant = :tenant) IS TRUE AND replied_at IS NULL RETURNING id"""
)
_CONTEXT = Statement(
    """SELECT c.owner, ch.transport, t.greeting_message, t.away_message, t.time_zone,
        a.enabled AS assistant_enabled
    FROM conversation c
    JOIN tenant t ON t.id = c.tenant
    JOIN channel ch ON ch.id = c.channel
    LEFT JOIN assistant_config a ON a.tenant = c.tenant
    WHERE c.id = :id AND (c.tenant = :tenant) IS TRUE"""
)
_LEAD = Statement(
    """UPDATE message SET lead_greeting = :greeting, lead_away = :away
    WHERE id = :id AND (tenant = :tenant) IS TRUE"""
)
# Anything said in the conversation before this message: an earlier message, or ours.
_SAID_BEFORE = Statement(
    """SELECT id FROM message
    WHERE conversation = :conversation AND (tenant = :tenant) IS TRUE AND id <> :id
        AND (direction = :outbound OR created_at < :before)
    LIMIT 1"""
)


async def reply_step(scope: TenantScope, stored: StoredInbound) -> list[UUID]:
    """Store the automatic replies this message calls for; the ids of the queued messages.

    The caller sends them (the worker straight from the inbound job, without a
    send job each: ``b2a.worker.tasks.outbox.send_now``); only the first needs
    it, the others of the conversation follow when it leaves (``ordering``).
    The claim and the replies commit together, so a crash leaves either no trace
    (the retried job replies) or the replies stored. Their sends and the
    assistant's turn follow the commit; a job retried after a crash in between
    finds the message claimed and gives the replies a send job instead
    (``resume_unsent``: keyed, and each send claims its own row, so nothing goes
    twice); the stranded-send sweep is the last resort.
    """
    if stored.from_me or stored.kind in SILENT:
        return []
    reason = hand_over_reason(stored.kind, stored.text)
    queued: list[UUID] = []
    async with atomic():
        claimed = await scope.fetchrow(_CLAIM, id=stored.message_id, at=clock.now())
        context = await scope.fetchrow(_CONTEXT, id=stored.conversation_id)
        ai_owns = context is not None and context["owner"] != Owner.HUMAN
        turn = context is not None and ai_owns and not reason and _assistant_on(context)
        if claimed and context is not None and ai_owns:
            queued = await _automatic_replies(scope, stored, context, lead=turn)
            if reason:
                await _hand_over(scope, stored.conversation_id, reason)
    if not claimed:
        # A retried job: the step committed; its replies may still lack a send job,
        # and a lead left for a turn that will no longer come still waits.
        await resume_unsent(scope, stored.conversation_id)
        if not turn and context is not None:
            await release(scope, await scope.get(Message, stored.message_id))
    if turn:
        await on_customer_message(scope, stored.conversation_id, stored.message_id)
    return queued


def hand_over_reason(kind: str, text: str) -> str:
    """Why a person must answer a message of this kind; "" when the assistant can, or none must.

    Words are what the assistant reads: a text, a tapped button's title, a
    file's caption. A silent kind needs nobody (it is not a question).
    """
    if kind in _READABLE or kind in SILENT or (kind in _CAPTIONED and text.strip()):
        return ""
    return _NEEDS_A_PERSON.get(kind, f"the customer sent a {kind} message")


async def _hand_over(scope: TenantScope, conversation_id: UUID, reason: str) -> None:
    """Humans answer from now on, without a word to the customer; the inbox shows why."""
    await scope.execute(_HAND_OVER, id=conversation_id, owner=Owner.HUMAN, reason=reason)
    await audit.record(
        Actor(None, Role.STAFF, scope.tenant_id, label="assistant"),
        "assistant.handoff",
        conversation=str(conversation_id),
        outcome="needs_a_person",
        reason=reason,
    )


def _assistant_on(context: Row) -> bool:
    """The tenant's own switch; a tenant without assistant settings yet has the default (on)."""
    enabled = context["assistant_enabled"]
    return enabled is None or bool(enabled)


async def _automatic_replies(
    scope: TenantScope, stored: StoredInbound, context: Row, *, lead: bool
) -> list[UUID]:
    """The greeting and away message due; left on the message when a turn will say them (lead)."""
    greeting = context["greeting_message"].strip()
    if greeting and not await _opens_conversation(scope, stored):
        greeting = ""
    away = context["away_message"].strip()
    if away and (
        is_open(await opening_days(scope), context["time_zone"], clock.now())
        or await _sent_recently(scope, stored.conversation_id, away)
    ):
        away = ""
    if lead:
        if greeting or away:
            await scope.execute(_LEAD, id=stored.message_id, greeting=greeting, away=away)
        return []
    queued = [
        await _store(scope, stored, context["transport"], text) for text in (greeting, away) if text
    ]
    return [message_id for message_id in queued if message_id is not None]


async def _opens_conversation(scope: TenantScope, stored: StoredInbound) -> bool:
    """Whether nothing was said in the conversation before this message.

    A conversation created with the message holds nothing else. Otherwise it is
    read from the messages rather than from whether this job created the
    conversation: a job retried after a crash finds the conversation it created.
    """
    if stored.new_conversation:
        return True
    earlier = await scope.fetchrow(
        _SAID_BEFORE,
        conversation=stored.conversation_id,
        id=stored.message_id,
        outbound=Direction.OUTBOUND,
        before=stored.received_at,
    )
    return earlier is None


async def _store(
    scope: TenantScope, stored: StoredInbound, transport: str, text: str
) -> UUID | None:
    try:
        return await store_system_text(
            scope,
            stored.conversation_id,
            text,
            transport=transport,
            window_expires_at=stored.window_expires_at,
        )
    except WindowClosed:
        # A message Meta delivered a day late: the window it opened has closed again.
        log.info("conversation %s: window closed, automatic reply skipped", stored.conversation_id)
        return None


async def _sent_recently(scope: TenantScope, conversation_id: UUID, text: str) -> bool:
    """Whether the away message went lately: on its own, or as the lead of a turn's reply."""
    return bool(
        await scope.exists(Message).where(
            (Message.conversation == conversation_id)
            & (Message.created_at > clock.now() - AWAY_EVERY)
            & (
                (
                    (Message.direction == Direction.OUTBOUND)
                    & (Message.author == Author.SYSTEM)
                    & (Message.text == text)
                )
                | (Message.lead_away == text)
            )
        )
    )
