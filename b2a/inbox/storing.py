"""Storing an accepted inbound event: customer, identities, conversation, message, in one go.

This is the worker's half of ``b2a.inbox.service`` and the hottest code of the
message pipeline, so it is hand-written SQL (``b2a.db.sql``) in one transaction:
for a first message from a new customer, seven statements.

1. Read the event, marking it processed.
2. Find the customer by any of the message's identities, or insert one with its
   identities (``ON CONFLICT DO NOTHING``: when two first messages of one new
   customer race, the unique (tenant, kind, value) index picks the winner and
   the loser moves over to it).
3. Find or insert the conversation (unique per tenant, channel and customer).
4. Insert the message; its unique (tenant, WhatsApp id) makes a retried job a
   duplicate that stores nothing twice.
5. Touch the conversation (last message, unread count, 24-hour window, reopen;
   a phone echo hands it to humans; a system notice only moves the preview).

Every kind is stored as given (``MessageKind``) with its ``data`` and the quoted
``reply_to``. A system notice is WhatsApp's word, not the customer's (author
SYSTEM); a changed number also moves the customer to the new one. Reactions,
edits and deletions add no message: ``b2a.inbox.annotations`` applies them to
the message they name.

It all commits together, so a job killed half-way leaves nothing behind and its
retry starts over; one killed after the commit finds the message stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from uuid import UUID, uuid4

from b2a.db.columns import json_value
from b2a.db.sql import Row, Statement
from b2a.db.transaction import atomic
from b2a.errors import NotFound
from b2a.inbox.annotations import Annotation, annotate
from b2a.inbox.media import MEDIA_NOT_SAVED
from b2a.inbox.previews import preview_of
from b2a.inbox.rules import (
    Author,
    ConversationStatus,
    DeliveryState,
    Direction,
    IdentityKind,
    MessageKind,
    Owner,
)
from b2a.lib import clock
from b2a.tenants.scope import TenantScope
from b2a.whatsapp.inbound import ANNOTATIONS, Identity, InboundMessage

SERVICE_WINDOW = timedelta(hours=24)
ECHO_REASON = "a reply was typed on the paired phone"


@dataclass(frozen=True)
class StoredInbound:
    """What storing an inbound message produced, for the reply step and live updates."""

    conversation_id: UUID
    message_id: UUID
    customer_id: UUID
    new_conversation: bool
    owner: str
    duplicate: bool
    channel_id: UUID
    media_id: str
    media_file: str
    from_me: bool
    window_expires_at: datetime | None
    received_at: datetime
    """When the message row was written (the reply step's "said before it" cut-off)."""
    kind: str
    """The kind as stored (``MessageKind``): the reply step decides by it."""
    text: str


@dataclass(frozen=True)
class Thread:
    """A customer's conversation on a channel, and whether this call created it."""

    id: UUID
    owner: str
    created: bool


# Marked processed first: it commits with everything else, or not at all.
# An annotation corrects the outcome ("applied" or "orphaned") in the same transaction.
_EVENT = Statement(
    """UPDATE inbound_event SET processed_at = :at, outcome = :outcome
    WHERE id = :id AND (tenant = :tenant) IS TRUE RETURNING payload, channel"""
)
_NEW_CUSTOMER = Statement(
    """INSERT INTO customer (id, created_at, tenant, name, phone)
    VALUES (:id, :at, :tenant, :name, :phone)"""
)
_DROP_CUSTOMER = Statement("DELETE FROM customer WHERE id = :id AND (tenant = :tenant) IS TRUE")
_OWNER = Statement(
    """SELECT customer FROM customer_identity
    WHERE tenant = :tenant AND kind = :kind AND value = :value"""
)
_FIND_THREAD = Statement(
    """SELECT id, owner FROM conversation
    WHERE tenant = :tenant AND channel = :channel AND customer = :customer"""
)
_NEW_THREAD = Statement(
    """INSERT INTO conversation (id, created_at, tenant, channel, customer)
    VALUES (:id, :at, :tenant, :channel, :customer)
    ON CONFLICT (tenant, channel, customer) DO NOTHING RETURNING id"""
)
_NEW_MESSAGE = Statement(
    """INSERT INTO message (id, created_at, tenant, conversation, direction, author, kind, text,
        data, reply_to, media_mime, wa_message_id, state, error_code, error_detail)
    VALUES (:id, :at, :tenant, :conversation, :direction, :author, :kind, :text,
        :data, :reply_to, :media_mime, :wa_message_id, :state, :error_code, :error_detail)
    ON CONFLICT (tenant, wa_message_id) DO NOTHING RETURNING id"""
)
_STORED_MESSAGE = Statement(
    """SELECT id, created_at FROM message
    WHERE tenant = :tenant AND wa_message_id = :wa_message_id"""
)
_TOUCH_INBOUND = Statement(
    """UPDATE conversation SET last_message_at = :at, last_message_preview = :preview,
        last_inbound_at = :at, window_expires_at = :window, unread_count = unread_count + 1,
        status = CASE WHEN status IN (:resolved, :closed) THEN :open ELSE status END
    WHERE id = :id AND (tenant = :tenant) IS TRUE RETURNING owner, window_expires_at"""
)
_TOUCH_ECHO = Statement(
    """UPDATE conversation SET last_message_at = :at, last_message_preview = :preview,
        owner = :owner, owner_reason = :reason
    WHERE id = :id AND (tenant = :tenant) IS TRUE RETURNING owner, window_expires_at"""
)
# A notice from WhatsApp: the list shows it, but nobody has to read or answer it.
_TOUCH_SYSTEM = Statement(
    """UPDATE conversation SET last_message_at = :at, last_message_preview = :preview
    WHERE id = :id AND (tenant = :tenant) IS TRUE RETURNING owner, window_expires_at"""
)
_NEW_PHONE = Statement(
    "UPDATE customer SET phone = :phone WHERE id = :id AND (tenant = :tenant) IS TRUE"
)
_WINDOW = Statement(
    """SELECT owner, window_expires_at FROM conversation
    WHERE id = :id AND (tenant = :tenant) IS TRUE"""
)


@cache
def known_identities(count: int) -> Statement:
    """Which of ``count`` identities (``:kindN``, ``:valueN``) are known, and whose they are."""
    # One branch per identity, each the whole key of the unique (tenant, kind, value) index.
    # An OR of the pairs under one tenant condition got, from tables still empty, a generic
    # plan that walked all of the tenant's identities (11 ms at 20k customers, against 0.04).
    return Statement(
        " UNION ALL ".join(
            "SELECT kind, value, customer FROM customer_identity"
            f" WHERE tenant = :tenant AND kind = :kind{n} AND value = :value{n}"
            for n in range(count)
        )
    )


@cache
def _add_identities(count: int) -> Statement:
    rows = ", ".join(
        f"(:id{n}, :at, :tenant, :customer, :kind{n}, :value{n})" for n in range(count)
    )
    return Statement(
        "INSERT INTO customer_identity (id, created_at, tenant, customer, kind, value)"
        f" VALUES {rows} ON CONFLICT (tenant, kind, value) DO NOTHING RETURNING kind, value"
    )


async def store_inbound(scope: TenantScope, event_id: UUID) -> StoredInbound | Annotation:
    """Store an accepted event as customer, conversation and message (idempotent).

    A reaction, edit or deletion changes the message it names instead
    (``Annotation``); the event's ``outcome`` says which happened.

    Raises:
        NotFound: the event does not exist for this tenant.
    """
    async with atomic():
        event = await scope.fetchrow(_EVENT, id=event_id, at=clock.now(), outcome="stored")
        if event is None:
            raise NotFound("InboundEvent not found.")
        message = InboundMessage.from_json(dict(json_value(event["payload"])))
        return await store_read(scope, event_id, event["channel"], message)


async def store_read(
    scope: TenantScope, event_id: UUID, channel_id: UUID, message: InboundMessage
) -> StoredInbound | Annotation:
    """Store an event already read and marked processed, inside the caller's transaction."""
    if message.kind in ANNOTATIONS:
        return await annotate(scope, event_id, message)
    customer_id, new_customer = await customer_for(scope, message)
    if message.kind == MessageKind.SYSTEM:
        await _follow_new_number(scope, customer_id, message)
    thread = await conversation_for(scope, channel_id, customer_id, new_customer=new_customer)
    message_id, received_at, duplicate = await _store_message(scope, thread.id, message)
    touched = await _touch(scope, thread.id, message, duplicate)
    return StoredInbound(
        conversation_id=thread.id,
        message_id=message_id,
        customer_id=customer_id,
        new_conversation=thread.created,
        owner=touched["owner"],
        duplicate=duplicate,
        channel_id=channel_id,
        media_id=message.media_id,
        media_file=message.media_file,
        from_me=message.from_me,
        window_expires_at=touched["window_expires_at"],
        received_at=received_at,
        kind=stored_kind(message.kind),
        text=message.text,
    )


async def customer_for(scope: TenantScope, message: InboundMessage) -> tuple[UUID, bool]:
    """The customer any of the message's identities already names, or a new one; True if new.

    The customer's identities the message adds are stored too; one another
    customer already holds stays theirs. Identities are inserted in one order
    (kind, value), so two messages racing for them never wait on each other crosswise.
    """
    identities = sorted(set(message.identities), key=lambda i: (i.kind, i.value))
    if not identities:
        return await _new_customer(scope, message), True
    known = await _known(scope, identities)
    for identity in message.identities:
        if identity in known:
            customer: UUID = known[identity]
            await _add(scope, customer, [i for i in identities if i not in known])
            return customer, False
    customer = await _new_customer(scope, message)
    added = await _add(scope, customer, identities)
    if message.identities[0] in added:
        return customer, True
    # Another first message of the same customer took the identities first: join it.
    winner = await _owner_of(scope, message.identities[0])
    await scope.execute(_DROP_CUSTOMER, id=customer)
    await _add(scope, winner, identities)
    return winner, False


async def _follow_new_number(scope: TenantScope, customer: UUID, message: InboundMessage) -> None:
    """A customer who changed their number is reached on the new one from now on.

    Their old identities stay theirs, so a late message from the old number
    still lands in the same conversation; a new number another customer
    already holds stays with that customer.
    """
    new_number = str(message.data.get("new_wa_id") or "").strip()
    if not new_number:
        return
    ordered = (Identity(IdentityKind.PHONE, new_number), Identity(IdentityKind.WA_ID, new_number))
    await _add(scope, customer, [i for i in ordered if i not in set(message.identities)])
    await scope.execute(_NEW_PHONE, id=customer, phone=new_number[:20])


async def _known(scope: TenantScope, identities: list[Identity]) -> dict[Identity, UUID]:
    params: dict[str, str] = {}
    for n, identity in enumerate(identities):
        params[f"kind{n}"], params[f"value{n}"] = identity.kind, identity.value
    rows = await scope.fetch(known_identities(len(identities)), **params)
    return {Identity(row["kind"], row["value"]): row["customer"] for row in rows}


async def _new_customer(scope: TenantScope, message: InboundMessage) -> UUID:
    customer = uuid4()
    await scope.execute(
        _NEW_CUSTOMER, id=customer, at=clock.now(), name=message.profile_name, phone=message.phone
    )
    return customer


async def _add(scope: TenantScope, customer: UUID, identities: list[Identity]) -> set[Identity]:
    """Give the customer these identities unless someone holds them; the ones it got."""
    if not identities:
        return set()
    params: dict[str, object] = {"customer": customer, "at": clock.now()}
    for n, identity in enumerate(identities):
        params[f"id{n}"] = uuid4()
        params[f"kind{n}"], params[f"value{n}"] = identity.kind, identity.value
    rows = await scope.fetch(_add_identities(len(identities)), **params)
    return {Identity(row["kind"], row["value"]) for row in rows}


async def _owner_of(scope: TenantScope, identity: Identity) -> UUID:
    row = await scope.fetchrow(_OWNER, kind=identity.kind, value=identity.value)
    if row is None:
        raise NotFound(f"no customer holds the {identity.kind} identity it was refused.")
    owner: UUID = row["customer"]
    return owner


async def conversation_for(
    scope: TenantScope, channel_id: UUID, customer_id: UUID, *, new_customer: bool = False
) -> Thread:
    """The customer's conversation on the channel, created if missing.

    A customer created in the caller's transaction has none yet: no need to look.
    """
    if not new_customer:
        row = await scope.fetchrow(_FIND_THREAD, channel=channel_id, customer=customer_id)
        if row is not None:
            return Thread(row["id"], row["owner"], created=False)
    created = await scope.fetchrow(
        _NEW_THREAD, id=uuid4(), at=clock.now(), channel=channel_id, customer=customer_id
    )
    if created is not None:
        return Thread(created["id"], Owner.AI, created=True)
    # Created by a concurrent message since the read above; it has committed by now.
    row = await scope.fetchrow(_FIND_THREAD, channel=channel_id, customer=customer_id)
    if row is None:
        raise NotFound("the conversation another message created has disappeared.")
    return Thread(row["id"], row["owner"], created=False)


async def _store_message(
    scope: TenantScope, conversation_id: UUID, message: InboundMessage
) -> tuple[UUID, datetime, bool]:
    """Insert the message; its id, when it was written, and whether it was there already."""
    at = clock.now()
    row = await scope.fetchrow(
        _NEW_MESSAGE, id=uuid4(), at=at, conversation=conversation_id, **message_columns(message)
    )
    if row is not None:
        return row["id"], at, False
    stored = await scope.fetchrow(_STORED_MESSAGE, wa_message_id=message.wa_message_id)
    if stored is None:
        raise NotFound("the message refused as a duplicate is not stored.")
    return stored["id"], stored["created_at"], True


def message_columns(message: InboundMessage) -> dict[str, object]:
    """The message row's columns that come from the message itself."""
    data = {**message.data, "filename": message.filename} if message.filename else message.data
    return {
        "direction": Direction.OUTBOUND if message.from_me else Direction.INBOUND,
        "author": _author(message),
        "kind": stored_kind(message.kind),
        "text": message.text,
        "data": json.dumps(data),
        "reply_to": message.reply_to[:128],
        "media_mime": message.media_mime,
        "wa_message_id": message.wa_message_id,
        "state": DeliveryState.SENT if message.from_me else DeliveryState.RECEIVED,
        "error_code": MEDIA_NOT_SAVED if message.media_error else "",
        "error_detail": message.media_error[:500],
    }


def stored_kind(kind: str) -> MessageKind:
    """The kind as given; one this version does not know is kept as unsupported, not refused."""
    try:
        return MessageKind(kind)
    except ValueError:
        return MessageKind.UNSUPPORTED


def _author(message: InboundMessage) -> Author:
    if message.from_me:
        return Author.AGENT
    return Author.SYSTEM if message.kind == MessageKind.SYSTEM else Author.CUSTOMER


async def _touch(
    scope: TenantScope, conversation_id: UUID, message: InboundMessage, duplicate: bool
) -> Row:
    """Last message, unread count, 24-hour window; reopen; a phone echo hands over to humans.

    A duplicate changes nothing: the conversation is only read. A system notice
    is no customer message: no unread, no window, no reopening.
    """
    preview = preview_of(message.kind, message.text, message.data, message.filename)
    if duplicate:
        row = await scope.fetchrow(_WINDOW, id=conversation_id)
    elif message.kind == MessageKind.SYSTEM:
        row = await scope.fetchrow(
            _TOUCH_SYSTEM, id=conversation_id, at=message.sent_at, preview=preview
        )
    elif message.from_me:
        row = await scope.fetchrow(
            _TOUCH_ECHO,
            id=conversation_id,
            at=message.sent_at,
            preview=preview,
            owner=Owner.HUMAN,
            reason=ECHO_REASON,
        )
    else:
        row = await scope.fetchrow(
            _TOUCH_INBOUND,
            id=conversation_id,
            at=message.sent_at,
            preview=preview,
            window=message.sent_at + SERVICE_WINDOW,
            resolved=ConversationStatus.RESOLVED,
            closed=ConversationStatus.CLOSED,
            open=ConversationStatus.OPEN,
        )
    if row is None:
        raise NotFound("Conversation not found.")
    return row
