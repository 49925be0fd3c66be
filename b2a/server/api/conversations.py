"""``/api/v1/conversations``: the inbox list, one conversation, and what agents do to it."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, delete, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

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
from b2a.server.params import ActorDep, Cursor, Limit
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
        actor: ActorDep,
        status: FromQuery[ConversationStatus | None] = None,
        owner: FromQuery[Owner | None] = None,
        assignee: Annotated[str, QueryParameter(description="A user id, 'me' or 'none'.")] = "",
        label: FromQuery[UUID | None] = None,
        unread: FromQuery[bool | None] = None,
        q: Annotated[str, QueryParameter(description="Customer name, phone or message text.")] = "",
        cursor: Cursor = None,
        limit: Limit = keyset.DEFAULT_LIMIT,
    ) -> ConversationPage:
        """Most recent activity first; pass ``next_cursor`` back as ``cursor`` for more."""
        filters = ConversationFilter(status, owner, assignee, label, unread, q)
        return await queries.list_conversations(actor, filters, cursor=cursor, limit=limit)

    @get("/unread", summary="How many conversations have unread messages")
    async def count_unread(self, actor: ActorDep) -> UnreadOut:
        """The number the panel shows in the tab title: ``(3) Inbox · b2a``."""
        return UnreadOut(conversations=await queries.count_unread(actor))

    @get("/{conversation_id:uuid}", summary="One conversation")
    async def get_conversation(
        self, actor: ActorDep, conversation_id: FromPath[UUID]
    ) -> ConversationOut:
        """Status, owner, assignee, customer, window and labels."""
        return await queries.get_conversation(actor, conversation_id)

    @post("/{conversation_id:uuid}/assign", status_code=200, summary="Assign or unassign")
    async def assign(
        self,
        actor: ActorDep,
        state: State,
        conversation_id: FromPath[UUID],
        data: JSONBody[AssignIn],
    ) -> ConversationOut:
        """Assign to a member of this tenant (another tenant's user is 404); null unassigns."""
        out = await actions.assign_conversation(actor, conversation_id, data.user_id)
        await announce(state, actor, UPDATED, conversation_id=conversation_id)
        return out

    @post("/{conversation_id:uuid}/status", status_code=200, summary="Change the status")
    async def set_status(
        self,
        actor: ActorDep,
        state: State,
        conversation_id: FromPath[UUID],
        data: JSONBody[StatusIn],
    ) -> ConversationOut:
        """OPEN, ASSIGNED, RESOLVED or CLOSED; OPEN and ASSIGNED follow the assignee."""
        out = await actions.set_status(actor, conversation_id, data.status)
        await announce(state, actor, UPDATED, conversation_id=conversation_id)
        return out

    @post("/{conversation_id:uuid}/take-over", status_code=200, summary="Humans take over")
    async def take_over(
        self,
        actor: ActorDep,
        state: State,
        conversation_id: FromPath[UUID],
        data: JSONBody[OwnerIn | None] = None,
    ) -> ConversationOut:
        """The assistant stays silent until the conversation is handed back."""
        reason = data.reason if data else ""
        out = await actions.take_over(actor, conversation_id, reason=reason)
        await announce(state, actor, UPDATED, conversation_id=conversation_id)
        return out

    @post("/{conversation_id:uuid}/hand-back", status_code=200, summary="Hand back to the AI")
    async def hand_back(
        self, actor: ActorDep, state: State, conversation_id: FromPath[UUID]
    ) -> ConversationOut:
        """The assistant answers the customer's next message."""
        out = await actions.hand_back(actor, conversation_id)
        await announce(state, actor, UPDATED, conversation_id=conversation_id)
        return out

    @post("/{conversation_id:uuid}/read", status_code=200, summary="Mark as read")
    async def mark_read(
        self, actor: ActorDep, state: State, conversation_id: FromPath[UUID]
    ) -> ConversationOut:
        """Clear the unread count."""
        out = await actions.mark_read(actor, conversation_id)
        await announce(state, actor, UPDATED, conversation_id=conversation_id)
        return out

    @post("/{conversation_id:uuid}/labels", status_code=200, summary="Add a label")
    async def add_label(
        self,
        actor: ActorDep,
        state: State,
        conversation_id: FromPath[UUID],
        data: JSONBody[LabelRef],
    ) -> ConversationOut:
        """Adding a label twice is a no-op."""
        out = await actions.add_label(actor, conversation_id, data.label_id)
        await announce(state, actor, UPDATED, conversation_id=conversation_id)
        return out

    @delete(
        "/{conversation_id:uuid}/labels/{label_id:uuid}", status_code=200, summary="Remove a label"
    )
    async def remove_label(
        self,
        actor: ActorDep,
        state: State,
        conversation_id: FromPath[UUID],
        label_id: FromPath[UUID],
    ) -> ConversationOut:
        """404 when the conversation does not carry the label."""
        out = await actions.remove_label(actor, conversation_id, label_id)
        await announce(state, actor, UPDATED, conversation_id=conversation_id)
        return out

    @get("/{conversation_id:uuid}/notes", summary="Internal notes")
    async def list_notes(self, actor: ActorDep, conversation_id: FromPath[UUID]) -> list[NoteOut]:
        """Oldest first; customers never see them."""
        return await actions.list_notes(actor, conversation_id)

    @post("/{conversation_id:uuid}/notes", summary="Add an internal note")
    async def add_note(
        self, actor: ActorDep, state: State, conversation_id: FromPath[UUID], data: JSONBody[NoteIn]
    ) -> NoteOut:
        """Signed by the caller."""
        note = await actions.add_note(actor, conversation_id, data.text)
        await announce(state, actor, "note.created", conversation_id=conversation_id)
        return note
