"""What agents do to a conversation: reply, assign, change status, label, note, take over.

Every function takes the acting ``Actor`` and reaches rows only through its
tenant scope, so a foreign conversation, user or label is ``NotFound``. Each
returns the changed conversation (or the new row) for the caller to render and
announce; live events are published by the adapter, as the worker does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

from b2a.audit import service as audit
from b2a.db.integrity import is_unique_violation
from b2a.db.sql import Statement
from b2a.errors import Invalid, NotFound
from b2a.inbox.queries import get_conversation, message_out
from b2a.inbox.rules import Author, ConversationStatus, Owner, status_after
from b2a.inbox.schemas import ConversationOut, MessageOut, NoteOut
from b2a.inbox.tables import Conversation, ConversationLabel, Label, Message, Note
from b2a.outbox.queueing import Draft, Sender, queue_message
from b2a.tenants.actor import Actor
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import User


async def send_reply(
    actor: Actor, conversation_id: UUID, draft: Draft, *, media_root: Path
) -> MessageOut:
    """Queue an agent's reply (text, template or media); the conversation passes to humans.

    Raises:
        NotFound: the conversation or template is not this tenant's.
        Invalid: an empty reply, bad template variables, an unapproved template.
        WindowClosed: a Cloud API conversation outside the 24-hour window, without a template.
    """
    scope = actor.scope
    message = await queue_message(
        scope,
        conversation_id,
        draft,
        Sender(Author.AGENT, actor.user_id),
        media_root=media_root,
    )
    row = await scope.select(Message).where(Message.id == message.id).output(load_json=True)
    return message_out(row[0])


async def _update(actor: Actor, conversation_id: UUID, values: dict[Any, Any]) -> None:
    await actor.scope.update(Conversation, values).where(Conversation.id == conversation_id)


async def assign_conversation(
    actor: Actor, conversation_id: UUID, user_id: UUID | None
) -> ConversationOut:
    """Assign the conversation to an active member of the tenant, or unassign it (None).

    An active conversation becomes ASSIGNED, or OPEN again when unassigned.

    Raises:
        NotFound: the conversation, or the user, is not in this tenant.
        Invalid: the user is deactivated.
    """
    scope = actor.scope
    conversation = await scope.get(Conversation, conversation_id)
    if user_id is not None:
        user = await scope.get(User, user_id)
        if not user.is_active:
            raise Invalid("this user is deactivated.", field="user_id")
    status = ConversationStatus(conversation.status)
    if status in (ConversationStatus.OPEN, ConversationStatus.ASSIGNED):
        status = status_after(ConversationStatus.OPEN, assigned=user_id is not None)
    await _update(
        actor, conversation_id, {Conversation.assignee: user_id, Conversation.status: status}
    )
    await audit.record(
        actor,
        "conversation.assigned",
        conversation=str(conversation_id),
        assignee=str(user_id) if user_id else None,
    )
    return await get_conversation(actor, conversation_id)


async def set_status(
    actor: Actor, conversation_id: UUID, requested: ConversationStatus
) -> ConversationOut:
    """Move the conversation to another inbox state (OPEN/ASSIGNED follow the assignee).

    Raises:
        NotFound: the conversation is not this tenant's.
        Conflict: ASSIGNED without an assignee.
    """
    conversation = await actor.scope.get(Conversation, conversation_id)
    status = status_after(requested, assigned=conversation.assignee is not None)
    await _update(actor, conversation_id, {Conversation.status: status})
    return await get_conversation(actor, conversation_id)


async def take_over(actor: Actor, conversation_id: UUID, *, reason: str = "") -> ConversationOut:
    """Humans take the conversation from the assistant.

    1. The owner becomes HUMAN with the reason shown in the inbox; the
       assistant and the automatic replies stay silent from the next message.
    2. An unassigned active conversation is assigned to the actor, so someone
       is answerable for it.
    3. The hand-over is audit-logged.

    Raises:
        NotFound: the conversation is not this tenant's.
    """
    conversation = await actor.scope.get(Conversation, conversation_id)
    why = reason.strip()[:200] or f"taken over by {actor.label or 'an agent'}"
    values: dict[Any, Any] = {Conversation.owner: Owner.HUMAN, Conversation.owner_reason: why}
    active = conversation.status in (ConversationStatus.OPEN, ConversationStatus.ASSIGNED)
    if conversation.assignee is None and active and actor.user_id is not None:
        values[Conversation.assignee] = actor.user_id
        values[Conversation.status] = ConversationStatus.ASSIGNED
    await _update(actor, conversation_id, values)
    await audit.record(
        actor, "conversation.taken_over", conversation=str(conversation_id), reason=why
    )
    return await get_conversation(actor, conversation_id)


async def hand_back(actor: Actor, conversation_id: UUID) -> ConversationOut:
    """Give the conversation back to the assistant; it answers the customer's next message.

    Raises:
        NotFound: the conversation is not this tenant's.
    """
    await actor.scope.get(Conversation, conversation_id)
    await _update(
        actor, conversation_id, {Conversation.owner: Owner.AI, Conversation.owner_reason: ""}
    )
    await audit.record(actor, "conversation.handed_back", conversation=str(conversation_id))
    return await get_conversation(actor, conversation_id)


async def mark_read(actor: Actor, conversation_id: UUID) -> ConversationOut:
    """Clear the conversation's unread count.

    Raises:
        NotFound: the conversation is not this tenant's.
    """
    await actor.scope.get(Conversation, conversation_id)
    await _update(actor, conversation_id, {Conversation.unread_count: 0})
    return await get_conversation(actor, conversation_id)


async def add_label(actor: Actor, conversation_id: UUID, label_id: UUID) -> ConversationOut:
    """Put a label on a conversation (again is a no-op).

    Raises:
        NotFound: the conversation or the label is not this tenant's.
    """
    scope = actor.scope
    await scope.get(Conversation, conversation_id)
    await scope.get(Label, label_id)
    link = scope.new(ConversationLabel, conversation=conversation_id, label=label_id)
    try:
        await link.save()
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
    return await get_conversation(actor, conversation_id)


async def remove_label(actor: Actor, conversation_id: UUID, label_id: UUID) -> ConversationOut:
    """Take a label off a conversation.

    Raises:
        NotFound: the conversation is not this tenant's, or does not carry the label.
    """
    scope = actor.scope
    await scope.get(Conversation, conversation_id)
    removed = (
        await scope.delete(ConversationLabel)
        .where(
            (ConversationLabel.conversation == conversation_id)
            & (ConversationLabel.label == label_id)
        )
        .returning(ConversationLabel.id)
    )
    if not removed:
        raise NotFound("the conversation does not carry this label.")
    return await get_conversation(actor, conversation_id)


async def add_note(actor: Actor, conversation_id: UUID, text: str) -> NoteOut:
    """An internal note on the conversation, signed by the actor.

    Raises:
        NotFound: the conversation is not this tenant's.
        Invalid: an empty note, or one over 10,000 characters.
    """
    cleaned = text.strip()
    if not 1 <= len(cleaned) <= 10_000:
        raise Invalid("a note has 1 to 10,000 characters.", field="text")
    await actor.scope.get(Conversation, conversation_id)
    note = actor.scope.new(Note, conversation=conversation_id, author=actor.user_id, text=cleaned)
    await note.save()
    return NoteOut(note.id, conversation_id, actor.user_id, note.text, note.created_at)


# Every thread shows them (hand-written: Piccolo's objects cost more than the query).
_NOTES = Statement(
    "SELECT id, author, text, created_at FROM note"
    " WHERE tenant = :tenant AND conversation = :conversation ORDER BY created_at, id"
)


async def list_notes(actor: Actor, conversation_id: UUID) -> list[NoteOut]:
    """The conversation's notes, oldest first.

    Raises:
        NotFound: the conversation is not this tenant's.
    """
    await actor.scope.get(Conversation, conversation_id)
    return await notes_of(actor.scope, conversation_id)


async def notes_of(scope: TenantScope, conversation_id: UUID) -> list[NoteOut]:
    """``list_notes`` of a conversation the caller has already found in ``scope``."""
    rows = await scope.fetch(_NOTES, conversation=conversation_id)
    return [
        NoteOut(n["id"], conversation_id, n["author"], n["text"], n["created_at"]) for n in rows
    ]
