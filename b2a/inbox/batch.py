"""Storing many accepted events at once: the same rows as ``storing``, a few statements a batch.

The worker's jobs hand their events to one coalescer (``b2a.lib.batcher``),
which calls ``store_batch`` with what arrived together. Everything commits in
one transaction, and per tenant a batch of first messages from new customers
costs seven statements whatever its size:

1. Read the events, marking them processed (one UPDATE … RETURNING).
2. Look up every identity the messages name (one SELECT).
3. Insert the new customers, then their identities (``ON CONFLICT DO NOTHING``).
4. Find the known customers' conversations, insert the missing ones.
5. Insert the messages (unique WhatsApp id: one stored before is a duplicate,
   read back in one more statement; the same id twice in a batch is stored once).
6. Touch each conversation once for all its messages (one UPDATE with ``CASE``).

Two messages of one customer in a batch share the customer and conversation,
and their rows keep the batch's order (``created_at`` a microsecond apart), so
the reply step sees the first as said before the second. What does not fit
this mould is stored by ``storing.store_read`` event by event inside the same
transaction: reactions, edits and deletions, echoes typed on the phone, notices
from WhatsApp. When another transaction takes an identity or a conversation
first (two workers, one new customer), ``Contended`` undoes the batch.

Any error rolls the whole batch back; the caller then stores each event alone
(``storing.store_inbound``), so a poison event fails only its own job.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from uuid import UUID, uuid4

from b2a.db.columns import json_value
from b2a.db.sql import (
    Column,
    Row,
    Statement,
    case_by_id,
    insert_rows,
    listed,
    on_postgres,
    one_by_one,
)
from b2a.db.transaction import atomic
from b2a.errors import Conflict, NotFound
from b2a.inbox.annotations import Annotation
from b2a.inbox.previews import preview_of
from b2a.inbox.rules import ConversationStatus, MessageKind
from b2a.inbox.storing import (
    SERVICE_WINDOW,
    StoredInbound,
    known_identities,
    message_columns,
    store_read,
    stored_kind,
)
from b2a.lib import clock
from b2a.tenants.scope import TenantScope
from b2a.whatsapp.inbound import ANNOTATIONS, Identity, InboundMessage

_MESSAGE_COLUMNS = [
    "direction",
    "author",
    "kind",
    "text",
    "data",
    "reply_to",
    "media_mime",
    "wa_message_id",
    "state",
    "error_code",
    "error_detail",
]


class Contended(Conflict):
    """Another transaction took an identity or a conversation this batch meant to create."""


@dataclass(frozen=True)
class _Event:
    id: UUID
    channel: UUID
    message: InboundMessage


def _numbered(columns: Mapping[str, Sequence[object]]) -> dict[str, object]:
    """Each column's values as numbered parameters: ``:name0``, ``:name1`` and so on."""
    return {
        f"{name}{n}": value for name, values in columns.items() for n, value in enumerate(values)
    }


@cache
def _read_events(count: int, postgres: bool) -> Statement:
    """The events marked processed and read back.

    On PostgreSQL one single-row UPDATE per event, each in its own CTE: a list
    of ids (``id IN (…)``) had a generic plan made while the table was small, a
    sequential scan kept as the table grew (tests/integration/test_plans.py),
    where a lookup of one id always takes the primary key. SQLite plans each
    run afresh and cannot UPDATE in a CTE.
    """
    set_clause = "UPDATE inbound_event SET processed_at = :at, outcome = :outcome"
    if postgres:
        return one_by_one(
            count,
            f"{set_clause} WHERE id = :id{{n}} AND (tenant = :tenant) IS TRUE"
            " RETURNING id, payload, channel",
        )
    return Statement(
        f"{set_clause} WHERE id IN ({listed('id', count)}) AND (tenant = :tenant) IS TRUE"
        " RETURNING id, payload, channel"
    )


_CUSTOMER: tuple[Column, ...] = (
    ("id", "uuid"),
    ("created_at", ":at"),
    ("tenant", ":tenant"),
    ("name", "text"),
    ("phone", "text"),
)
_IDENTITY: tuple[Column, ...] = (
    ("id", "uuid"),
    ("created_at", ":at"),
    ("tenant", ":tenant"),
    ("customer", "uuid"),
    ("kind", "text"),
    ("value", "text"),
)
_THREAD: tuple[Column, ...] = (
    ("id", "uuid"),
    ("created_at", ":at"),
    ("tenant", ":tenant"),
    ("channel", "uuid"),
    ("customer", "uuid"),
)
_MESSAGE: tuple[Column, ...] = (
    ("id", "uuid"),
    ("created_at", "timestamptz"),
    ("tenant", ":tenant"),
    ("conversation", "uuid"),
    *((c, "json" if c == "data" else "text") for c in _MESSAGE_COLUMNS),
)


@cache
def _find_threads(count: int) -> Statement:
    return Statement(
        " UNION ALL ".join(
            "SELECT id, owner, channel, customer FROM conversation"
            f" WHERE tenant = :tenant AND channel = :channel{n} AND customer = :customer{n}"
            for n in range(count)
        )
    )


@cache
def _stored_messages(count: int) -> Statement:
    return Statement(
        "SELECT id, created_at, wa_message_id FROM message"
        f" WHERE tenant = :tenant AND wa_message_id IN ({listed('wamid', count)})"
    )


@cache
def _touch(count: int, postgres: bool) -> Statement:
    """Each conversation's last message, preview, unread count and window; reopened.

    On PostgreSQL one single-row UPDATE per conversation (see ``_read_events``).
    """
    reopen = "status = CASE WHEN status IN (:resolved, :closed) THEN :open ELSE status END"
    returning = " RETURNING id, owner, window_expires_at"
    if postgres:
        return one_by_one(
            count,
            "UPDATE conversation SET last_message_at = :last_message_at{n},"
            " last_inbound_at = :last_message_at{n},"
            " last_message_preview = :last_message_preview{n},"
            " window_expires_at = :window_expires_at{n}, unread_count = unread_count + :unread{n},"
            f" {reopen} WHERE id = :id{{n}} AND (tenant = :tenant) IS TRUE{returning}",
        )
    unread = " ".join(f"WHEN :id{n} THEN :unread{n}" for n in range(count))
    return Statement(
        f"UPDATE conversation SET last_message_at = {case_by_id('last_message_at', count)},"
        f" last_inbound_at = {case_by_id('last_inbound_at', count, 'last_message_at')},"
        f" last_message_preview = {case_by_id('last_message_preview', count)},"
        f" window_expires_at = {case_by_id('window_expires_at', count)},"
        f" unread_count = unread_count + CASE id {unread} ELSE 0 END, {reopen}"
        f" WHERE id IN ({listed('id', count)}) AND (tenant = :tenant) IS TRUE{returning}"
    )


_WINDOW = Statement(
    "SELECT id, owner, window_expires_at FROM conversation"
    " WHERE id = :id AND (tenant = :tenant) IS TRUE"
)


async def store_batch(
    events: Iterable[tuple[UUID, UUID]],
) -> dict[UUID, StoredInbound | Annotation]:
    """Store these (tenant, event) pairs in one transaction; each event's outcome by its id.

    Raises:
        NotFound: an event does not exist for its tenant (store each alone to tell which).
        Contended: another transaction created a customer or conversation of the batch first.
    """
    by_tenant: dict[UUID, list[UUID]] = {}
    for tenant_id, event_id in events:
        by_tenant.setdefault(tenant_id, [])
        if event_id not in by_tenant[tenant_id]:
            by_tenant[tenant_id].append(event_id)
    results: dict[UUID, StoredInbound | Annotation] = {}
    async with atomic():
        for tenant_id, event_ids in by_tenant.items():
            results.update(await _store_tenant(TenantScope(tenant_id), event_ids))
    return results


async def _store_tenant(
    scope: TenantScope, event_ids: list[UUID]
) -> dict[UUID, StoredInbound | Annotation]:
    events = await _read(scope, event_ids)
    plain = [e for e in events if _plain(e.message)]
    results: dict[UUID, StoredInbound | Annotation] = {}
    if plain:
        results.update(await _store_plain(scope, plain))
    for event in events:
        if not _plain(event.message):
            results[event.id] = await store_read(scope, event.id, event.channel, event.message)
    return results


def _plain(message: InboundMessage) -> bool:
    """A customer's message: the kind the batch statements store (all the others go one by one)."""
    return not (
        message.from_me or message.kind in ANNOTATIONS or message.kind == MessageKind.SYSTEM
    )


async def _read(scope: TenantScope, event_ids: list[UUID]) -> list[_Event]:
    """The events in the order given, marked processed."""
    rows = await scope.fetch(
        _read_events(len(event_ids), on_postgres()),
        at=clock.now(),
        outcome="stored",
        **_numbered({"id": event_ids}),
    )
    found = {row["id"]: row for row in rows}
    if len(found) != len(event_ids):
        raise NotFound("InboundEvent not found.")
    return [
        _Event(
            event_id,
            found[event_id]["channel"],
            InboundMessage.from_json(dict(json_value(found[event_id]["payload"]))),
        )
        for event_id in event_ids
    ]


async def _store_plain(scope: TenantScope, events: list[_Event]) -> dict[UUID, StoredInbound]:
    customers, new = await _customers(scope, [e.message for e in events])
    threads = await _threads(scope, events, customers, new)
    conversation = {
        e.id: threads[(e.channel, c)][0] for e, c in zip(events, customers, strict=True)
    }
    stored = await _messages(scope, events, conversation)
    touched = await _touch_all(scope, events, conversation, stored)
    results: dict[UUID, StoredInbound] = {}
    opened: set[UUID] = set()
    for event, customer in zip(events, customers, strict=True):
        thread_id, created = threads[(event.channel, customer)]
        message_id, received_at, duplicate = stored[event.id]
        message = event.message
        results[event.id] = StoredInbound(
            conversation_id=thread_id,
            message_id=message_id,
            customer_id=customer,
            # Only the first message of a conversation made here opened it.
            new_conversation=created and thread_id not in opened,
            owner=touched[thread_id]["owner"],
            duplicate=duplicate,
            channel_id=event.channel,
            media_id=message.media_id,
            media_file=message.media_file,
            from_me=False,
            window_expires_at=touched[thread_id]["window_expires_at"],
            received_at=received_at,
            kind=stored_kind(message.kind),
            text=message.text,
        )
        opened.add(thread_id)
    return results


async def _customers(
    scope: TenantScope, messages: list[InboundMessage]
) -> tuple[list[UUID], set[UUID]]:
    """Each message's customer (an identity already known names it, else a new one); the new ones.

    Messages that share an identity share the customer, as they would one after
    the other. Identities are inserted sorted by (kind, value), like ``storing``.
    """
    wanted = sorted({i for m in messages for i in m.identities}, key=lambda i: (i.kind, i.value))
    holder = await _known(scope, wanted)
    adding: dict[Identity, UUID] = {}
    new: dict[UUID, InboundMessage] = {}
    chosen: list[UUID] = []
    for message in messages:
        customer = next((holder[i] for i in message.identities if i in holder), None)
        if customer is None:
            customer = uuid4()
            new[customer] = message
        for identity in message.identities:
            if identity not in holder:
                holder[identity] = adding[identity] = customer
        chosen.append(customer)
    await _insert_customers(scope, new)
    await _insert_identities(scope, adding, set(new))
    return chosen, set(new)


async def _known(scope: TenantScope, identities: list[Identity]) -> dict[Identity, UUID]:
    if not identities:
        return {}
    params = _numbered(
        {"kind": [i.kind for i in identities], "value": [i.value for i in identities]}
    )
    rows = await scope.fetch(known_identities(len(identities)), **params)
    return {Identity(row["kind"], row["value"]): row["customer"] for row in rows}


async def _insert_customers(scope: TenantScope, new: dict[UUID, InboundMessage]) -> None:
    if not new:
        return
    rows = [
        {"id": customer, "name": message.profile_name, "phone": message.phone}
        for customer, message in new.items()
    ]
    statement, params = insert_rows("customer", _CUSTOMER, rows, at=clock.now())
    await scope.execute(statement, **params)


async def _insert_identities(
    scope: TenantScope, adding: dict[Identity, UUID], new_customers: set[UUID]
) -> None:
    """Give each identity its customer; one a new customer was refused undoes the batch."""
    if not adding:
        return
    ordered = sorted(adding.items(), key=lambda pair: (pair[0].kind, pair[0].value))
    values: list[dict[str, object]] = [
        {"id": uuid4(), "customer": customer, "kind": identity.kind, "value": identity.value}
        for identity, customer in ordered
    ]
    statement, params = insert_rows(
        "customer_identity",
        _IDENTITY,
        values,
        "ON CONFLICT (tenant, kind, value) DO NOTHING RETURNING kind, value",
        at=clock.now(),
    )
    rows = await scope.fetch(statement, **params)
    added = {Identity(row["kind"], row["value"]) for row in rows}
    if any(i not in added and c in new_customers for i, c in ordered):
        raise Contended("another message took a new customer's identity first")


async def _threads(
    scope: TenantScope, events: list[_Event], customers: list[UUID], new: set[UUID]
) -> dict[tuple[UUID, UUID], tuple[UUID, bool]]:
    """Each (channel, customer)'s conversation and whether this batch created it."""
    pairs = list(dict.fromkeys(zip((e.channel for e in events), customers, strict=True)))
    threads: dict[tuple[UUID, UUID], tuple[UUID, bool]] = {}
    known = [pair for pair in pairs if pair[1] not in new]
    if known:
        params = _numbered({"channel": [p[0] for p in known], "customer": [p[1] for p in known]})
        for row in await scope.fetch(_find_threads(len(known)), **params):
            threads[(row["channel"], row["customer"])] = (row["id"], False)
    missing = sorted((p for p in pairs if p not in threads), key=lambda p: (str(p[0]), str(p[1])))
    if missing:
        threads.update(await _insert_threads(scope, missing))
    return threads


async def _insert_threads(
    scope: TenantScope, pairs: list[tuple[UUID, UUID]]
) -> dict[tuple[UUID, UUID], tuple[UUID, bool]]:
    values: list[dict[str, object]] = [
        {"id": uuid4(), "channel": channel, "customer": customer} for channel, customer in pairs
    ]
    statement, params = insert_rows(
        "conversation",
        _THREAD,
        values,
        "ON CONFLICT (tenant, channel, customer) DO NOTHING RETURNING id, channel, customer",
        at=clock.now(),
    )
    rows = await scope.fetch(statement, **params)
    if len(rows) != len(pairs):
        raise Contended("another message created one of the batch's conversations first")
    return {(row["channel"], row["customer"]): (row["id"], True) for row in rows}


async def _messages(
    scope: TenantScope,
    events: list[_Event],
    conversation: dict[UUID, UUID],
) -> dict[UUID, tuple[UUID, datetime, bool]]:
    """Each event's message: id, when it was written, and whether it was stored before.

    Rows are a microsecond apart in the batch's order, so a later message of a
    conversation is never "said" at the same moment as an earlier one.
    """
    # The same WhatsApp id twice in the batch: the first is stored, the rest are its duplicates.
    first: dict[str, _Event] = {}
    for event in events:
        first.setdefault(event.message.wa_message_id, event)
    at = clock.now()
    values: list[dict[str, object]] = []
    written: dict[str, tuple[UUID, datetime]] = {}
    for n, event in enumerate(first.values()):
        message_id, created_at = uuid4(), at + timedelta(microseconds=n)
        written[event.message.wa_message_id] = (message_id, created_at)
        values.append(
            {
                "id": message_id,
                "created_at": created_at,
                "conversation": conversation[event.id],
                **message_columns(event.message),
            }
        )
    statement, params = insert_rows(
        "message",
        _MESSAGE,
        values,
        "ON CONFLICT (tenant, wa_message_id) DO NOTHING RETURNING id, wa_message_id",
    )
    rows = await scope.fetch(statement, **params)
    inserted = {row["wa_message_id"] for row in rows}
    before = await _stored_before(scope, [w for w in first if w not in inserted])
    results: dict[UUID, tuple[UUID, datetime, bool]] = {}
    for event in events:
        wamid = event.message.wa_message_id
        if wamid in before:
            results[event.id] = (*before[wamid], True)
        else:
            results[event.id] = (*written[wamid], first[wamid] is not event)
    return results


async def _stored_before(scope: TenantScope, wamids: list[str]) -> dict[str, tuple[UUID, datetime]]:
    """The messages an earlier job stored under these WhatsApp ids: id and when written."""
    if not wamids:
        return {}
    rows = await scope.fetch(_stored_messages(len(wamids)), **_numbered({"wamid": wamids}))
    found = {row["wa_message_id"]: (row["id"], row["created_at"]) for row in rows}
    if len(found) != len(wamids):
        raise NotFound("a message refused as a duplicate is not stored.")
    return found


@dataclass
class _Touch:
    """What a conversation's new messages of the batch change: the last one's, and how many."""

    at: datetime
    preview: str
    count: int


async def _touch_all(
    scope: TenantScope,
    events: list[_Event],
    conversation: dict[UUID, UUID],
    stored: dict[UUID, tuple[UUID, datetime, bool]],
) -> dict[UUID, Row]:
    """Touch each conversation once (last message, unread, window, reopen); owner and window."""
    touches: dict[UUID, _Touch] = {}
    for event in events:
        thread = conversation[event.id]
        if stored[event.id][2]:
            continue  # a duplicate changes nothing
        message = event.message
        preview = preview_of(message.kind, message.text, message.data, message.filename)
        count = touches[thread].count if thread in touches else 0
        touches[thread] = _Touch(message.sent_at, preview, count + 1)
    rows: dict[UUID, Row] = {}
    if touches:
        rows.update(await _update_threads(scope, touches))
    for thread in set(conversation.values()) - rows.keys():
        row = await scope.fetchrow(_WINDOW, id=thread)
        if row is None:
            raise NotFound("Conversation not found.")
        rows[thread] = row
    return rows


async def _update_threads(scope: TenantScope, touches: dict[UUID, _Touch]) -> dict[UUID, Row]:
    ordered = sorted(touches.items(), key=lambda t: str(t[0]))
    columns: dict[str, Sequence[object]] = {
        "id": [thread for thread, _ in ordered],
        "last_message_at": [touch.at for _, touch in ordered],
        "last_message_preview": [touch.preview for _, touch in ordered],
        "window_expires_at": [touch.at + SERVICE_WINDOW for _, touch in ordered],
        "unread": [touch.count for _, touch in ordered],
    }
    rows = await scope.fetch(
        _touch(len(ordered), on_postgres()),
        resolved=ConversationStatus.RESOLVED,
        closed=ConversationStatus.CLOSED,
        open=ConversationStatus.OPEN,
        **_numbered(columns),
    )
    if len(rows) != len(touches):
        raise NotFound("Conversation not found.")
    return {row["id"]: row for row in rows}
