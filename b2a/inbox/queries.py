"""Reading the inbox: conversation lists, threads and dead letters, one keyset page at a time.

Pages are keyset pages (``b2a.db.keyset``): newest first by a timestamp, then
by id, continued strictly after an opaque cursor.

Search (``q``) is a case-insensitive substring match on the customer's name,
phone digits and message text, answered through indexes: ``b2a.inbox.search``.
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from piccolo.columns.combination import WhereRaw
from piccolo.query import Select

from b2a.db.columns import json_value
from b2a.db.keyset import DEFAULT_LIMIT, after, checked_limit, decode_cursor, page_of
from b2a.db.sql import Statement
from b2a.errors import Invalid, NotFound
from b2a.inbox import search
from b2a.inbox.media import tenant_media_dir
from b2a.inbox.rules import ConversationStatus, DeliveryState, Owner
from b2a.inbox.schemas import (
    ConversationBrief,
    ConversationOut,
    ConversationPage,
    CustomerOut,
    DeadLetterOut,
    DeadLetterPage,
    EarlierText,
    LabelOut,
    MessageOut,
    MessagePage,
    QuotedOut,
)
from b2a.inbox.tables import Conversation, Message
from b2a.lib.filetypes import Served, served_file
from b2a.tenants.actor import Actor
from b2a.tenants.scope import TenantScope

UNDELIVERED = (DeliveryState.DEAD, DeliveryState.FAILED)
# The customer of a message, through its conversation (Piccolo's join chain).
CUSTOMER: Any = Message.conversation.customer


@dataclass(frozen=True)
class ConversationFilter:
    """Which conversations to list; every field left empty matches all.

    ``assignee`` is a user id, ``"me"`` (the actor) or ``"none"`` (unassigned).
    """

    status: ConversationStatus | None = None
    owner: Owner | None = None
    assignee: str = ""
    label_id: UUID | None = None
    unread: bool | None = None
    q: str = ""


async def _newest_messages(
    query: Select, cursor: str | None, limit: int
) -> tuple[list[Any], str | None]:
    """One keyset page of a message query, newest first, and the cursor of the next."""
    if cursor:
        query = query.where(after(Message.created_at, Message.id, cursor))
    rows = await (
        query.order_by(Message.created_at, Message.id, ascending=False)
        .limit(limit + 1)
        .output(load_json=True)
    )
    return page_of(rows, limit, "created_at")


CONVERSATION_COLUMNS = (
    Conversation.id,
    Conversation.status,
    Conversation.owner,
    Conversation.owner_reason,
    Conversation.assignee,
    Conversation.channel,
    Conversation.channel.transport.as_alias("transport"),
    Conversation.customer,
    Conversation.customer.name.as_alias("customer_name"),
    Conversation.customer.phone.as_alias("customer_phone"),
    Conversation.customer.marketing_opt_out_at.as_alias("customer_marketing_opt_out_at"),
    Conversation.last_message_at,
    Conversation.last_message_preview,
    Conversation.unread_count,
    Conversation.window_expires_at,
)


# The columns of CONVERSATION_COLUMNS, written by hand for the statements below.
_COLUMNS = (
    "SELECT conversation.id, conversation.status, conversation.owner,"
    " conversation.owner_reason, conversation.assignee, conversation.channel,"
    " ch.transport AS transport, conversation.customer, cu.name AS customer_name,"
    " cu.phone AS customer_phone, cu.marketing_opt_out_at AS customer_marketing_opt_out_at,"
    " conversation.last_message_at, conversation.last_message_preview,"
    " conversation.unread_count, conversation.window_expires_at"
)
_JOINED = (
    " FROM conversation LEFT JOIN channel ch ON ch.id = conversation.channel"
    " LEFT JOIN customer cu ON cu.id = conversation.customer"
)
# ``get_conversation`` in one round trip: the columns, and one row per label it carries.
# Written by hand: Piccolo built the two joined queries it took in 1 ms of CPU, every thread.
_ONE_CONVERSATION = Statement(
    _COLUMNS
    + ", cl.label AS label_id, l.name AS label_name, l.color AS label_color"
    + _JOINED
    + " LEFT JOIN conversation_label cl"
    " ON cl.conversation = conversation.id AND cl.tenant = :tenant"
    " LEFT JOIN label l ON l.id = cl.label"
    " WHERE conversation.id = :id AND (conversation.tenant = :tenant) IS TRUE"
)
# The list without a search (its first page, filters, cursors): its statement is the columns,
# the conditions of the filters given, and the order (one statement per set of filters).
_LISTED = _COLUMNS + _JOINED + " WHERE conversation.tenant = :tenant"
_NEWEST = (
    " AND conversation.last_message_at IS NOT NULL"
    " ORDER BY conversation.last_message_at DESC, conversation.id DESC LIMIT :limit"
)
_AFTER = (
    "(conversation.last_message_at < :at"
    " OR (conversation.last_message_at = :at AND conversation.id < :before))"
)
# The labels of a page of conversations: its ids as an array (PostgreSQL) or JSON (SQLite).
_LABELS_PG = Statement(
    "SELECT cl.conversation, cl.label, l.name, l.color FROM conversation_label cl"
    " LEFT JOIN label l ON l.id = cl.label"
    " WHERE cl.tenant = :tenant AND cl.conversation = ANY(:ids)"
)
_LABELS_SQLITE = Statement(
    "SELECT cl.conversation, cl.label, l.name, l.color FROM conversation_label cl"
    " LEFT JOIN label l ON l.id = cl.label"
    " WHERE cl.tenant = :tenant AND cl.conversation IN (SELECT value FROM json_each(:ids))"
)
_PARAMETER = re.compile(r":([a-z_]+)")

# A page of a thread (every thread the API or the inbox opens), written by hand: Piccolo's
# building of the select of every column cost more than the query.
_THREAD = (
    "SELECT id, conversation, direction, author, sent_by, kind, text, media_mime, media_size,"
    " media_path, template, state, error_code, error_detail, attempts, created_at,"
    " state_changed_at, data, reply_to, reaction, edited_at, history, deleted_at, held_until"
    " FROM message WHERE tenant = :tenant AND conversation = :conversation"
)
_LATEST_MESSAGES = Statement(_THREAD + " ORDER BY created_at DESC, id DESC LIMIT :limit")
_OLDER_MESSAGES = Statement(
    _THREAD + " AND (created_at < :at OR (created_at = :at AND id < :before))"
    " ORDER BY created_at DESC, id DESC LIMIT :limit"
)
_EARLIER = Statement(
    "SELECT id, status, last_message_at, last_message_preview FROM conversation"
    " WHERE tenant = :tenant AND customer = :customer"
    " ORDER BY last_message_at DESC, id DESC LIMIT :limit"
)


def _conversation_query(scope: TenantScope) -> Select:
    return scope.select(Conversation, *CONVERSATION_COLUMNS)


Condition = tuple[str, dict[str, Any]]
"""A condition on ``conversation`` with ``:name`` parameters, and their values."""


def _conditions(actor: Actor, f: ConversationFilter) -> list[Condition]:
    """The filters as SQL, for the list's statement and (as ``WhereRaw``) the search's query."""
    found: list[Condition] = []
    if f.status is not None:
        found.append(("conversation.status = :status", {"status": f.status.value}))
    if f.owner is not None:
        found.append(("conversation.owner = :owner", {"owner": f.owner.value}))
    if f.assignee:
        found.append(_assignee_is(actor, f.assignee))
    if f.label_id is not None:
        labelled = (
            "conversation.id IN (SELECT cl.conversation FROM conversation_label cl"
            " WHERE cl.tenant = :tenant AND cl.label = :label)"
        )
        found.append((labelled, {"tenant": actor.scope.tenant_id, "label": f.label_id}))
    if f.unread is not None:
        found.append((f"conversation.unread_count {'>' if f.unread else '='} 0", {}))
    return found


def _assignee_is(actor: Actor, assignee: str) -> Condition:
    if assignee == "none" or (assignee == "me" and actor.user_id is None):
        return "conversation.assignee IS NULL", {}
    if assignee == "me":
        return "conversation.assignee = :assignee", {"assignee": actor.user_id}
    try:
        return "conversation.assignee = :assignee", {"assignee": UUID(assignee)}
    except ValueError:
        raise Invalid("assignee is a user id, 'me' or 'none'.", field="assignee") from None


def _where(condition: Condition) -> WhereRaw:
    """A condition as Piccolo's ``WhereRaw`` (``{}`` placeholders, values in order)."""
    sql, params = condition
    names = _PARAMETER.findall(sql)
    return WhereRaw(_PARAMETER.sub("{}", sql), *(params[name] for name in names))


@functools.cache
def _list_statement(conditions: tuple[str, ...]) -> Statement:
    return Statement(_LISTED + "".join(f" AND {c}" for c in conditions) + _NEWEST)


async def _newest_listed(
    scope: TenantScope, conditions: list[Condition], cursor: str | None, count: int
) -> list[Mapping[str, Any]]:
    """The first ``count`` conversations the conditions (and cursor) leave, newest first."""
    if cursor:
        at, before = decode_cursor(cursor)
        conditions = [*conditions, (_AFTER, {"at": at, "before": before})]
    params: dict[str, Any] = {"limit": count}
    for _, values in conditions:
        params.update(values)
    statement = _list_statement(tuple(sql for sql, _ in conditions))
    return list(await scope.fetch(statement, **params))


async def count_unread(actor: Actor) -> int:
    """How many of the tenant's conversations have messages nobody has read (the tab title).

    The partial index ``ix_conversation_unread`` holds only those conversations,
    so counting stays quick however many the tenant has.
    """
    return int(await actor.scope.count(Conversation).where(Conversation.unread_count > 0))


async def list_conversations(
    actor: Actor,
    filters: ConversationFilter,
    *,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> ConversationPage:
    """A page of the tenant's conversations, most recent activity first.

    Conversations without any message yet are not listed.

    Raises:
        Invalid: a bad cursor, limit or assignee.
    """
    scope = actor.scope
    limit = checked_limit(limit)
    conditions = _conditions(actor, filters)

    def listed() -> Select:
        query = _conversation_query(scope).where(Conversation.last_message_at.is_not_null())
        for condition in conditions:
            query = query.where(_where(condition))
        if cursor:
            query = query.where(after(Conversation.last_message_at, Conversation.id, cursor))
        return query

    rows: Sequence[Mapping[str, Any]]
    if filters.q.strip():
        rows = await search.newest_matching(scope, filters.q, listed, cursor, limit + 1)
    else:
        rows = await _newest_listed(scope, conditions, cursor, limit + 1)
    page, next_cursor = page_of(rows, limit, "last_message_at")
    return ConversationPage(await _with_labels(scope, page), next_cursor)


async def get_conversation(actor: Actor, conversation_id: UUID) -> ConversationOut:
    """One conversation of the actor's tenant.

    Raises:
        NotFound: no such conversation in this tenant.
    """
    rows = await actor.scope.fetch(_ONE_CONVERSATION, id=conversation_id)
    if not rows:
        raise NotFound("Conversation not found.")
    carried = [LabelOut(r["label_id"], r["label_name"], r["label_color"]) for r in rows]
    labels = sorted((label for label in carried if label.id is not None), key=lambda x: x.name)
    return _conversation_out(rows[0], labels)


async def customer_conversations(
    actor: Actor, customer_id: UUID, *, limit: int = 10
) -> list[ConversationBrief]:
    """The customer's conversations, most recent activity first (the inbox's details panel)."""
    rows = await actor.scope.fetch(_EARLIER, customer=customer_id, limit=checked_limit(limit))
    return [
        ConversationBrief(
            row["id"], row["status"], row["last_message_at"], row["last_message_preview"]
        )
        for row in rows
    ]


async def _with_labels(
    scope: TenantScope, rows: Sequence[Mapping[str, Any]]
) -> list[ConversationOut]:
    """Rows as ``ConversationOut``, their labels fetched in one query for the whole page."""
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    if search.on_postgres():
        links = await scope.fetch(_LABELS_PG, ids=ids)
    else:
        links = await scope.fetch(_LABELS_SQLITE, ids=json.dumps([str(i) for i in ids]))
    labels: dict[UUID, list[LabelOut]] = {}
    for link in sorted(links, key=lambda link: link["name"]):
        labels.setdefault(link["conversation"], []).append(
            LabelOut(link["label"], link["name"], link["color"])
        )
    return [_conversation_out(row, labels.get(row["id"], [])) for row in rows]


def _conversation_out(row: Mapping[str, Any], labels: list[LabelOut]) -> ConversationOut:
    return ConversationOut(
        id=row["id"],
        status=row["status"],
        owner=row["owner"],
        owner_reason=row["owner_reason"],
        assignee_id=row["assignee"],
        customer=CustomerOut(
            row["customer"],
            row["customer_name"],
            row["customer_phone"],
            row.get("customer_marketing_opt_out_at"),
        ),
        channel_id=row["channel"],
        transport=row["transport"],
        last_message_at=row["last_message_at"],
        last_message_preview=row["last_message_preview"],
        unread_count=row["unread_count"],
        window_expires_at=row["window_expires_at"],
        labels=labels,
    )


def message_out(row: Mapping[str, Any], quoted: QuotedOut | None = None) -> MessageOut:
    """A message row (as selected with ``load_json``) in its API shape."""
    template = _loaded(row["template"], {})
    history = _loaded(row["history"], [])
    return MessageOut(
        id=row["id"],
        conversation_id=row["conversation"],
        direction=row["direction"],
        author=row["author"],
        sent_by=row["sent_by"],
        kind=row["kind"],
        text=row["text"],
        media_mime=row["media_mime"],
        media_size=row["media_size"],
        has_media=bool(row["media_path"]),
        template_name=str(template.get("name", "")),
        state=row["state"],
        error_code=row["error_code"],
        error_detail=row["error_detail"],
        attempts=row["attempts"],
        created_at=row["created_at"],
        state_changed_at=row["state_changed_at"],
        data=_loaded(row["data"], {}),
        reply_to=row["reply_to"],
        reaction=row["reaction"],
        edited_at=row["edited_at"],
        history=[EarlierText(str(v.get("text", "")), str(v.get("at", ""))) for v in history],
        deleted_at=row["deleted_at"],
        quoted=quoted,
        held_until=row["held_until"] if row["state"] == DeliveryState.QUEUED else None,
    )


def _loaded(value: Any, empty: Any) -> Any:
    """A JSON column's value as loaded, or ``empty`` when it holds something else."""
    value = json_value(value)
    return value if isinstance(value, type(empty)) else empty


async def _quoted(
    scope: TenantScope, conversation_id: UUID, rows: list[Mapping[str, Any]]
) -> dict[str, QuotedOut]:
    """The messages this page quotes, by WhatsApp id, found in the same conversation only."""
    ids = sorted({row["reply_to"] for row in rows if row["reply_to"]})
    if not ids:
        return {}
    found = await scope.select(
        Message,
        Message.id,
        Message.wa_message_id,
        Message.kind,
        Message.text,
        Message.direction,
        Message.deleted_at,
    ).where((Message.conversation == conversation_id) & Message.wa_message_id.is_in(ids))
    return {
        q["wa_message_id"]: QuotedOut(
            q["id"], q["kind"], q["text"], q["direction"], q["deleted_at"] is not None
        )
        for q in found
    }


async def list_messages(
    actor: Actor,
    conversation_id: UUID,
    *,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> MessagePage:
    """A page of one conversation's messages, newest first.

    Raises:
        NotFound: no such conversation in this tenant.
        Invalid: a bad cursor or limit.
    """
    limit = checked_limit(limit)
    await actor.scope.get(Conversation, conversation_id)
    return await messages_of(actor.scope, conversation_id, cursor=cursor, limit=limit)


async def messages_of(
    scope: TenantScope, conversation_id: UUID, *, cursor: str | None, limit: int
) -> MessagePage:
    """``list_messages`` of a conversation the caller has already found in ``scope``.

    The inbox page reads the conversation first, so it skips the second look-up.

    Raises:
        Invalid: a bad cursor.
    """
    if cursor:
        at, before = decode_cursor(cursor)
        found = await scope.fetch(
            _OLDER_MESSAGES, conversation=conversation_id, at=at, before=before, limit=limit + 1
        )
    else:
        found = await scope.fetch(_LATEST_MESSAGES, conversation=conversation_id, limit=limit + 1)
    page, next_cursor = page_of(found, limit, "created_at")
    quoted = await _quoted(scope, conversation_id, page)
    items = [message_out(row, quoted.get(row["reply_to"])) for row in page]
    return MessagePage(items, next_cursor)


async def list_dead_letters(
    actor: Actor, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> DeadLetterPage:
    """Outbound messages that did not reach the customer (DEAD or FAILED), newest first.

    Each carries WhatsApp's error code and the reason in plain words.

    Raises:
        Invalid: a bad cursor or limit.
    """
    scope = actor.scope
    limit = checked_limit(limit)
    query = scope.select(
        Message,
        *Message.all_columns(),
        CUSTOMER.as_alias("customer_id"),
        CUSTOMER.name.as_alias("customer_name"),
        CUSTOMER.phone.as_alias("customer_phone"),
    ).where(Message.state.is_in(list(UNDELIVERED)))
    page, next_cursor = await _newest_messages(query, cursor, limit)
    items = [
        DeadLetterOut(
            message_out(row),
            CustomerOut(row["customer_id"], row["customer_name"], row["customer_phone"]),
        )
        for row in page
    ]
    return DeadLetterPage(items, next_cursor)


async def message_media(actor: Actor, message_id: UUID, media_root: Path) -> Served:
    """The stored file of a message and how it is served; only the tenant's own users get it.

    The type served is what the bytes are (sniffed now, so files stored before
    sniffing existed are served safely too), never the type the sender claimed:
    see ``b2a.lib.filetypes``. A document keeps the file name it was sent with.

    Raises:
        NotFound: no such message in this tenant, or it has no stored file.
    """
    message = await actor.scope.get(Message, message_id)
    path = tenant_media_dir(media_root, actor.scope.tenant_id) / message.media_path
    if not message.media_path or not path.is_file():
        raise NotFound("this message has no stored media.")
    data = json_value(message.data) or {}
    return await asyncio.to_thread(served_file, path, str(data.get("filename") or ""))
