"""``/api/v1/conversations``: the inbox list, one conversation, and what agents do to it."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, delete, get, post
from litestar.datastructures import State
from litestar.params import Parameter

from b2a.db import keyset
from b2a.inbox import actions, queries
from b2a.inbox.queries import ConversationFilter
from b2a.inbox.rules import ConversationStatus, Owner
from b2a.inbox.schemas import (
    AssignIn,
    ConversationOut,
    ConversationPage,
    LabelRef,
    NoteIn,
    NoteOut,
    OwnerIn,
    StatusIn,
    UnreadOut,
)
from b2a.server.api._common import announce
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Area

UPDATED = "conversation.updated"


class ConversationController(Controller):
    """The shared inbox."""

    path = "/conversations"
    opt = {"area": Area.INBOX}
    tags = ["inbox"]

    @get("/", summary="List conversations (keyset pages, filters, search)")
    async def list_conversations(
        self,
        actor: Actor,
        status: ConversationStatus | None = None,
        owner: Owner | None = None,
        assignee: str = Parameter(default="", description="A user id, 'me' or 'none'."),
        label: UUID | None = None,
        unread: bool | None = None,
        q: str = Parameter(default="", description="Customer name, phone or message text."),
        cursor: str | None = Parameter(default=None, description="next_cursor of the last page."),
        limit: int = Parameter(default=keyset.DEFAULT_LIMIT, ge=1, le=keyset.MAX_LIMIT),
    ) -> ConversationPage:
        """Most recent activity first; pass ``next_cursor`` back as ``cursor`` for more."""
        filters = ConversationFilter(status, owner, assignee, label, unread, q)
        return await queries.list_conversations(actor, filters, cursor=cursor, limit=limit)

    @get("/unread", summary="How many conversations have unread messages")
    async def count_unread(self, actor: Actor) -> UnreadOut:
        """The number the panel shows in the tab title: ``(3) Inbox · b2a``."""
        return UnreadOut(conversations=await queries.count_unread(actor))

    @get("/{conversation_id:uuid}", summary="One conversation")
    async def get_conversation(self, actor: Actor, conversation_id: UUID) -> ConversationOut:
        """Status, owner, assignee, customer, window and labels."""
        return await queries.get_conversation(actor, conversation_id)

    @post("/{conversation_id:uuid}/assign", status_code=200, summary="Assign or unassign")
    async def assign(
        self, actor: Actor, state: State, conversation_id: UUID, data: AssignIn
    ) -> ConversationOut:
        """Assign to a member of this tenant (another tenant's user is 404); null unassigns."""
        out = await actions.assign_conversation(actor, conversation_id, data.user_id)
        await announce(state, actor, UPDATED, conversation_id=conversation_id)
        return out

    @post("/{conversation_id:uuid}/status", status_code=200, summary="Change the status")
    async def set_status(
        self, actor: Actor, state: State, conversation_id: UUID, data: StatusIn
    ) -> ConversationOut:
        """OPEN, ASSIGNED, RESOLVED or CLOSED; OPEN and ASSIGNED follow the assignee."""
        out = await actions.set_status(actor, conversation_id, data.status)
        await announce(state, actor, UPDATED, conversation_id=conversation_id)
        return out

    @post("/{conversation_id:uuid}/take-over", status_code=200, summary="Humans take over")
    async def take_over(
        self, actor: Actor, state: State, conversation_id: UUID, data: OwnerIn | None = None
    ) -> ConversationOut:
        """The assistant stays silent until the conversation is handed back."""
        reason = data.reason if data else ""
        out = await actions.take_over(actor, conversation_id, reason=reason)
        await announce(state, actor, UPDATED, conversation_id=conversation_id)
        return out

    @post("/{conversation_id:uuid}/hand-back", status_code=200, summary="Hand back to the AI")
    async def hand_back(self, actor: Actor, state: State, conversation_id: UUID) -> ConversationOut:
        """The assistant answers the customer's next message."""
        out = await actions.hand_back(actor, conversation_id)
        await announce(state, actor, UPDATED, conversation_id=conversation_id)
        return out

    @post("/{conversation_id:uuid}/read", status_code=200, summary="Mark as read")
    async def mark_read(self, actor: Actor, state: State, conversation_id: UUID) -> ConversationOut:
        """Clear the unread count."""
        out = await actions.mark_read(actor, conversation_id)
        await announce(state, actor, UPDATED, conversation_id=conversation_id)
        return out

    @post("/{conversation_id:uuid}/labels", status_code=200, summary="Add a label")
    async def add_label(
        self, actor: Actor, state: State, conversation_id: UUID, data: LabelRef
    ) -> ConversationOut:
        """Adding a label twice is a no-op."""
        out = await actions.add_label(actor, conversation_id, data.label_id)
        await announce(state, actor, UPDATED, conversation_id=conversation_id)
        return out

    @delete(
        "/{conversation_id:uuid}/labels/{label_id:uuid}", status_code=200, summary="Remove a label"
    )
    async def remove_label(
        self, actor: Actor, state: State, conversation_id: UUID, label_id: UUID
    ) -> ConversationOut:
        """404 when the conversation does not carry the label."""
        out = await actions.remove_label(actor, conversation_id, label_id)
        await announce(state, actor, UPDATED, conversation_id=conversation_id)
        return out

    @get("/{conversation_id:uuid}/notes", summary="Internal notes")
    async def list_notes(self, actor: Actor, conversation_id: UUID) -> list[NoteOut]:
        """Oldest first; customers never see them."""
        return await actions.list_notes(actor, conversation_id)

    @post("/{conversation_id:uuid}/notes", summary="Add an internal note")
    async def add_note(
        self, actor: Actor, state: State, conversation_id: UUID, data: NoteIn
    ) -> NoteOut:
        """Signed by the caller."""
        note = await actions.add_note(actor, conversation_id, data.text)
        await announce(state, actor, "note.created", conversation_id=conversation_id)
        return note
