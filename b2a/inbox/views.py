"""What the inbox page shows around a conversation, gathered in one call per page.

The web UI's inbox needs more than a conversation and its messages: the
notes woven into the thread, who it can be assigned to, the labels it could
carry, canned replies and the templates that may go when the 24-hour window
is closed, and the tenant's time zone to say until when the window is open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from b2a.inbox import actions, canned, labels, queries
from b2a.inbox.rules import Transport
from b2a.inbox.schemas import CannedReplyOut, ConversationOut, LabelOut, MessageOut, NoteOut
from b2a.lib import clock
from b2a.outbox import templates
from b2a.outbox.schemas import TemplateOut
from b2a.tenants.actor import Actor
from b2a.tenants.tables import Tenant, User

THREAD_MESSAGES = 50


@dataclass(frozen=True)
class Member:
    """Someone a conversation can be assigned to."""

    id: UUID
    label: str


@dataclass(frozen=True)
class Window:
    """The Cloud API's 24-hour customer service window, in the tenant's time zone."""

    applies: bool
    open: bool
    until: str


@dataclass(frozen=True)
class ThreadItem:
    """A message or an internal note, in the order they happened."""

    at: datetime
    message: MessageOut | None = None
    note: NoteOut | None = None
    note_author: str = ""


@dataclass(frozen=True)
class ThreadView:
    """One conversation as an agent works it."""

    conversation: ConversationOut
    items: list[ThreadItem]
    window: Window
    assignee: str
    names: dict[UUID, str]
    members: list[Member]
    labels: list[LabelOut]
    canned: list[CannedReplyOut]
    templates: list[TemplateOut]


async def members(actor: Actor) -> list[Member]:
    """The tenant's active members, by name or email (any member may assign)."""
    rows = await (
        actor.scope.select(User, User.id, User.name, User.email)
        .where(User.is_active == True)  # noqa: E712 (Piccolo builds SQL from ==)
        .order_by(User.email)
    )
    return [Member(row["id"], row["name"] or row["email"]) for row in rows]


async def _time_zone(actor: Actor) -> ZoneInfo:
    row = await Tenant.select(Tenant.time_zone).where(Tenant.id == actor.scope.tenant_id).first()
    return ZoneInfo(row["time_zone"] if row else "UTC")


def window_of(conversation: ConversationOut, zone: ZoneInfo) -> Window:
    """Whether free text may go now; only Cloud API numbers have the window."""
    if conversation.transport != Transport.CLOUD:
        return Window(applies=False, open=True, until="")
    expires = conversation.window_expires_at
    if expires is None or expires <= clock.now():
        return Window(applies=True, open=False, until="")
    return Window(applies=True, open=True, until=expires.astimezone(zone).strftime("%H:%M"))


def _woven(
    messages: list[MessageOut], notes: list[NoteOut], authors: dict[UUID, str]
) -> list[ThreadItem]:
    items = [ThreadItem(m.created_at, message=m) for m in messages]
    oldest = messages[0].created_at if messages else None
    for note in notes:
        if oldest is None or note.created_at >= oldest:
            author = authors.get(note.author_id, "") if note.author_id else ""
            items.append(ThreadItem(note.created_at, note=note, note_author=author))
    return sorted(items, key=lambda item: item.at)


async def thread_view(actor: Actor, conversation_id: UUID) -> ThreadView:
    """The conversation, its latest messages and notes oldest first, and what may be done.

    Raises:
        NotFound: no such conversation in this tenant.
    """
    conversation = await queries.get_conversation(actor, conversation_id)
    page = await queries.list_messages(actor, conversation_id, limit=THREAD_MESSAGES)
    team = await members(actor)
    names = {member.id: member.label for member in team}
    notes = await actions.list_notes(actor, conversation_id)
    items = _woven(list(reversed(page.items)), notes, names)
    sendable = [t for t in await templates.list_templates(actor) if t.sendable]
    return ThreadView(
        conversation=conversation,
        items=items,
        window=window_of(conversation, await _time_zone(actor)),
        assignee=names.get(conversation.assignee_id, "") if conversation.assignee_id else "",
        names=names,
        members=team,
        labels=await labels.list_labels(actor),
        canned=await canned.list_canned_replies(actor),
        templates=sendable,
    )
