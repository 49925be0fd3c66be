"""What the inbox page shows around a conversation, each part read once per page.

The web UI's inbox needs more than a conversation and its messages: the
notes woven into the thread (one keyset page of messages at a time, older
pages loaded as the agent scrolls up), who it can be assigned to, the labels it could
carry (``team``, shared with the list beside it), canned replies and the
templates that may go when the 24-hour window is closed (``composer_tools``,
which only the composer needs), and the tenant's time zone to say until when
the window is open (the page's own, passed in). docs/performance.md ("The
inbox page") has what each part costs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from b2a.db.keyset import decode_cursor
from b2a.db.sql import Statement
from b2a.inbox import actions, canned, labels, queries
from b2a.inbox.rules import Transport
from b2a.inbox.schemas import CannedReplyOut, ConversationOut, LabelOut, MessageOut, NoteOut
from b2a.lib import clock
from b2a.outbox import templates
from b2a.outbox.schemas import TemplateOut
from b2a.tenants.actor import Actor

THREAD_MESSAGES = 50
# Every inbox page reads the members (hand-written: Piccolo's building cost more than the query).
_MEMBERS = Statement(
    "SELECT id, name, email FROM app_user WHERE tenant = :tenant AND is_active = :active"
    " ORDER BY email"
)


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
class ThreadPage:
    """One page of a thread, oldest first, and the cursor of the page before it (if any)."""

    items: list[ThreadItem]
    older: str | None


@dataclass(frozen=True)
class ThreadView:
    """One conversation as an agent works it."""

    conversation: ConversationOut
    items: list[ThreadItem]
    older: str | None
    notes: list[NoteOut]
    window: Window
    assignee: str
    names: dict[UUID, str]
    members: list[Member]
    labels: list[LabelOut]


@dataclass(frozen=True)
class ComposerTools:
    """What the composer offers besides typing: saved replies, and templates that may go.

    Read only by the page and the composer's fragment: the thread's fragment,
    fetched again on every live event, leaves the composer alone.
    """

    canned: list[CannedReplyOut]
    templates: list[TemplateOut]


async def composer_tools(actor: Actor) -> ComposerTools:
    """The tenant's saved replies and its sendable templates."""
    sendable = [t for t in await templates.list_templates(actor) if t.sendable]
    return ComposerTools(await canned.list_canned_replies(actor), sendable)


@dataclass(frozen=True)
class Team:
    """The tenant's members and labels, read once per page.

    The list's filters, its rows' assignees and the thread's controls all show
    them; reading them once instead of for each pane saved a query apiece.
    """

    members: list[Member]
    labels: list[LabelOut]

    @property
    def names(self) -> dict[UUID, str]:
        """Member id → how the page names them."""
        return {member.id: member.label for member in self.members}


async def team(actor: Actor) -> Team:
    """The tenant's active members and its labels."""
    return Team(await members(actor), await labels.list_labels(actor))


async def members(actor: Actor) -> list[Member]:
    """The tenant's active members, by name or email (any member may assign)."""
    rows = await actor.scope.fetch(_MEMBERS, active=True)
    return [Member(row["id"], row["name"] or row["email"]) for row in rows]


def window_of(conversation: ConversationOut, zone: ZoneInfo) -> Window:
    """Whether free text may go now; only Cloud API numbers have the window."""
    if conversation.transport != Transport.CLOUD:
        return Window(applies=False, open=True, until="")
    expires = conversation.window_expires_at
    if expires is None or expires <= clock.now():
        return Window(applies=True, open=False, until="")
    return Window(applies=True, open=True, until=expires.astimezone(zone).strftime("%H:%M"))


def _woven(
    messages: list[MessageOut],
    notes: list[NoteOut],
    authors: dict[UUID, str],
    span: tuple[datetime | None, datetime | None],
) -> list[ThreadItem]:
    """Messages and the notes written within ``span`` (from, before), in the order they happened.

    Each page of messages takes the notes of its own stretch of time, so that
    loading older pages shows every note exactly once.
    """
    since, before = span
    items = [ThreadItem(m.created_at, message=m) for m in messages]
    for note in notes:
        if (since is None or note.created_at >= since) and (
            before is None or note.created_at < before
        ):
            author = authors.get(note.author_id, "") if note.author_id else ""
            items.append(ThreadItem(note.created_at, note=note, note_author=author))
    return sorted(items, key=lambda item: item.at)


async def _page(
    actor: Actor,
    conversation_id: UUID,
    cursor: str | None,
    notes: list[NoteOut],
    names: dict[UUID, str],
) -> ThreadPage:
    page = await queries.messages_of(
        actor.scope, conversation_id, cursor=cursor, limit=THREAD_MESSAGES
    )
    messages = list(reversed(page.items))
    since = messages[0].created_at if messages and page.next_cursor else None
    before = decode_cursor(cursor)[0] if cursor else None
    return ThreadPage(_woven(messages, notes, names, (since, before)), page.next_cursor)


async def thread_page(
    actor: Actor, conversation: ConversationOut, names: dict[UUID, str], *, cursor: str
) -> ThreadPage:
    """The page of the thread before ``cursor``, with its notes (``names``: who wrote them).

    Raises:
        Invalid: a cursor this server did not hand out.
    """
    notes = await actions.notes_of(actor.scope, conversation.id)
    return await _page(actor, conversation.id, cursor, notes, names)


async def thread_view(
    actor: Actor,
    conversation_id: UUID,
    team: Team,
    zone: ZoneInfo,
    *,
    cursor: str | None = None,
) -> ThreadView:
    """The conversation, a page of its messages and notes oldest first, and what may be done.

    ``team`` is the tenant's (``team(actor)``), ``zone`` the business's time zone,
    which the page has already read for the list beside the thread.

    Raises:
        NotFound: no such conversation in this tenant.
        Invalid: a cursor this server did not hand out.
    """
    conversation = await queries.get_conversation(actor, conversation_id)
    names = team.names
    notes = await actions.notes_of(actor.scope, conversation_id)
    page = await _page(actor, conversation_id, cursor, notes, names)
    return ThreadView(
        conversation=conversation,
        items=page.items,
        older=page.older,
        notes=notes,
        window=window_of(conversation, zone),
        assignee=names.get(conversation.assignee_id, "") if conversation.assignee_id else "",
        names=names,
        members=team.members,
        labels=team.labels,
    )
