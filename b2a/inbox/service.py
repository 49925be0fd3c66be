"""The inbound half of the pipeline: accept durably, then store idempotently.

1. ``accept_inbound`` writes the event row before the transport is acknowledged;
   the row's unique (tenant, dedupe key) makes a redelivery a no-op.
2. ``store_inbound`` (in the worker) turns the event into customer, identities,
   conversation and message rows. It may run twice for one event (a retry after a
   crash): the message's unique (tenant, WhatsApp id) keeps it to one row, and the
   event is marked processed last.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from b2a.db.columns import json_value
from b2a.db.integrity import is_unique_violation
from b2a.db.transaction import atomic
from b2a.inbox.media import MEDIA_NOT_SAVED
from b2a.inbox.rules import (
    Author,
    ConversationStatus,
    DeliveryState,
    Direction,
    Owner,
    Transport,
)
from b2a.inbox.tables import (
    Conversation,
    Customer,
    CustomerIdentity,
    InboundEvent,
    Message,
)
from b2a.lib import clock
from b2a.tenants.scope import TenantScope
from b2a.whatsapp.cloud_webhook import CloudStatus
from b2a.whatsapp.failures import describe_failure
from b2a.whatsapp.inbound import InboundMessage

SERVICE_WINDOW = timedelta(hours=24)


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


async def accept_inbound(
    scope: TenantScope, channel_id: UUID, source: Transport, message: InboundMessage
) -> UUID | None:
    """Persist an inbound message before acknowledging it; None when already accepted."""
    event = scope.new(
        InboundEvent,
        channel=channel_id,
        source=source,
        dedupe_key=_message_key(message.wa_message_id),
        payload=message.to_json(),
    )
    return await _save_once(event)


async def inbound_accepted(scope: TenantScope, wa_message_id: str) -> bool:
    """Whether a message was accepted already (a redelivery needs no second download)."""
    return bool(
        await scope.exists(InboundEvent).where(
            InboundEvent.dedupe_key == _message_key(wa_message_id)
        )
    )


def _message_key(wa_message_id: str) -> str:
    return f"msg:{wa_message_id}"


async def _save_once(event: InboundEvent) -> UUID | None:
    """Insert the event; None when its dedupe key was already accepted."""
    try:
        await event.save()
    except Exception as exc:
        if is_unique_violation(exc):
            return None
        raise
    return event.id


async def _customer_for(scope: TenantScope, message: InboundMessage) -> Customer:
    """The customer any of the message's identities already names, or a new one."""
    for identity in message.identities:
        row = (
            await scope.objects(CustomerIdentity)
            .where(
                (CustomerIdentity.kind == identity.kind)
                & (CustomerIdentity.value == identity.value)
            )
            .first()
        )
        if row is not None:
            customer = await scope.get(Customer, row.customer)
            await _add_identities(scope, customer.id, message)
            return customer
    customer = scope.new(Customer, name=message.profile_name, phone=message.phone)
    await customer.save()
    await _add_identities(scope, customer.id, message)
    winner = await _owner_of(scope, message)
    if winner is not None and winner != customer.id:
        # Another message from the same new customer got its identities in first.
        await scope.delete(Customer).where(Customer.id == customer.id)
        await _add_identities(scope, winner, message)
        return await scope.get(Customer, winner)
    return customer


async def _owner_of(scope: TenantScope, message: InboundMessage) -> UUID | None:
    """The customer holding the message's first identity (the unique index decides)."""
    if not message.identities:
        return None
    first = message.identities[0]
    row = (
        await scope.select(CustomerIdentity, CustomerIdentity.customer)
        .where((CustomerIdentity.kind == first.kind) & (CustomerIdentity.value == first.value))
        .first()
    )
    return row["customer"] if row else None


async def _add_identities(scope: TenantScope, customer_id: UUID, message: InboundMessage) -> None:
    for identity in message.identities:
        exists = await scope.exists(CustomerIdentity).where(
            (CustomerIdentity.kind == identity.kind) & (CustomerIdentity.value == identity.value)
        )
        if not exists:
            row = scope.new(
                CustomerIdentity, customer=customer_id, kind=identity.kind, value=identity.value
            )
            try:
                await row.save()
            except Exception as exc:
                if not is_unique_violation(exc):
                    raise


async def conversation_for(
    scope: TenantScope, channel_id: UUID, customer_id: UUID
) -> tuple[Conversation, bool]:
    """The customer's conversation on the channel, created if missing; True when created."""
    conversation = (
        await scope.objects(Conversation)
        .where((Conversation.channel == channel_id) & (Conversation.customer == customer_id))
        .first()
    )
    if conversation is not None:
        return conversation, False
    conversation = scope.new(Conversation, channel=channel_id, customer=customer_id)
    try:
        await conversation.save()
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        return await conversation_for(scope, channel_id, customer_id)
    return conversation, True


async def store_inbound(scope: TenantScope, event_id: UUID) -> StoredInbound:
    """Store an accepted event as customer, conversation and message (idempotent).

    Raises:
        NotFound: the event does not exist for this tenant.
    """
    event = await scope.get(InboundEvent, event_id)
    message = InboundMessage.from_json(dict(json_value(event.payload)))
    customer = await _customer_for(scope, message)
    conversation, created = await conversation_for(scope, event.channel, customer.id)
    # The message and what it does to the conversation (window, unread) commit together:
    # a retry after a crash must not find the message stored and the window never opened.
    try:
        async with atomic():
            stored, duplicate = await _store_message(scope, conversation, message)
            if not duplicate:
                await _touch_conversation(scope, conversation, message)
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        stored, duplicate = await _store_message(scope, conversation, message)
    event.processed_at = clock.now()
    await event.save([InboundEvent.processed_at])
    return StoredInbound(
        conversation_id=conversation.id,
        message_id=stored,
        customer_id=customer.id,
        new_conversation=created,
        owner=conversation.owner,
        duplicate=duplicate,
        channel_id=event.channel,
        media_id=message.media_id,
        media_file=message.media_file,
        from_me=message.from_me,
    )


async def _store_message(
    scope: TenantScope, conversation: Conversation, message: InboundMessage
) -> tuple[UUID, bool]:
    existing = (
        await scope.select(Message, Message.id)
        .where(Message.wa_message_id == message.wa_message_id)
        .first()
    )
    if existing is not None:
        return existing["id"], True
    row = scope.new(
        Message,
        conversation=conversation.id,
        direction=Direction.OUTBOUND if message.from_me else Direction.INBOUND,
        author=Author.AGENT if message.from_me else Author.CUSTOMER,
        kind=message.kind,
        text=message.text,
        media_mime=message.media_mime,
        wa_message_id=message.wa_message_id,
        state=DeliveryState.SENT if message.from_me else DeliveryState.RECEIVED,
        error_code=MEDIA_NOT_SAVED if message.media_error else "",
        error_detail=message.media_error[:500],
    )
    await row.save()
    return row.id, False


async def _touch_conversation(
    scope: TenantScope, conversation: Conversation, message: InboundMessage
) -> None:
    """Last message, unread count, 24-hour window; reopen; a phone echo hands over to humans."""
    values: dict[object, object] = {
        Conversation.last_message_at: message.sent_at,
        Conversation.last_message_preview: message.text[:200],
    }
    if message.from_me:
        values[Conversation.owner] = Owner.HUMAN
        values[Conversation.owner_reason] = "a reply was typed on the paired phone"
    else:
        values[Conversation.last_inbound_at] = message.sent_at
        values[Conversation.window_expires_at] = message.sent_at + SERVICE_WINDOW
        values[Conversation.unread_count] = Conversation.unread_count + 1
        if conversation.status in (ConversationStatus.RESOLVED, ConversationStatus.CLOSED):
            values[Conversation.status] = ConversationStatus.OPEN
    await scope.update(Conversation, values).where(Conversation.id == conversation.id)  # type: ignore[arg-type]


STATUS_RANK = {
    DeliveryState.SENT: 1,
    DeliveryState.DELIVERED: 2,
    DeliveryState.READ: 3,
}


async def accept_status(
    scope: TenantScope, channel_id: UUID, source: Transport, status: CloudStatus
) -> UUID | None:
    """Persist a delivery update before acknowledging it; None when already accepted."""
    event = scope.new(
        InboundEvent,
        channel=channel_id,
        source=source,
        dedupe_key=f"status:{status.dedupe_key}",
        payload={
            "wamid": status.wamid,
            "status": status.status,
            "errors": status.errors,
            "at": status.at.isoformat(),
            "ref": status.callback_data,
        },
    )
    return await _save_once(event)


async def apply_status(scope: TenantScope, event_id: UUID) -> UUID | None:
    """Move a message's delivery state forward (updates arrive out of order); the message id.

    A failure records the WhatsApp code and its plain-words explanation for agents.
    """
    event = await scope.get(InboundEvent, event_id)
    data = dict(json_value(event.payload))
    message = await _status_target(scope, data)
    if message is None:
        return None
    new_state = DeliveryState(data["status"].upper())
    values: dict[Any, Any] = {Message.state: new_state, Message.state_changed_at: clock.now()}
    if new_state is DeliveryState.FAILED:
        error = (data.get("errors") or [{}])[0]
        failure = describe_failure(error.get("code", "unknown"), str(error.get("title", "")))
        values.update({Message.error_code: failure.code, Message.error_detail: failure.plain})
        await scope.update(Message, values).where(Message.id == message.id)
    else:
        # One conditional UPDATE, so concurrent out-of-order updates only move forward.
        earlier = [
            s
            for s in DeliveryState
            if STATUS_RANK.get(s, 0) < STATUS_RANK.get(new_state, 0)
            and s not in (DeliveryState.FAILED, DeliveryState.DEAD)
        ]
        await scope.update(Message, values).where(
            (Message.id == message.id) & Message.state.is_in(earlier)
        )
    event.processed_at = clock.now()
    await event.save([InboundEvent.processed_at])
    return message.id


async def _status_target(scope: TenantScope, data: dict[str, Any]) -> Message | None:
    """The message a status is about: by wamid, or by our id echoed back as callback data.

    The second case is a send whose answer never reached us (the worker died or the
    request timed out): the status proves WhatsApp accepted it, so the message
    learns its wamid and leaves the uncertain state.
    """
    message = await scope.objects(Message).where(Message.wa_message_id == data["wamid"]).first()
    if message is not None or not data.get("ref"):
        return message
    try:
        ref = UUID(data["ref"])
    except ValueError:
        return None
    message = (
        await scope.objects(Message)
        .where((Message.id == ref) & Message.wa_message_id.is_null())
        .first()
    )
    if message is not None:
        await scope.update(
            Message,
            {Message.wa_message_id: data["wamid"], Message.state: DeliveryState.SENT},
        ).where(Message.id == message.id)
        message.state = DeliveryState.SENT
    return message


@dataclass(frozen=True)
class StrandedEvent:
    """An accepted event that no job has processed yet."""

    tenant_id: UUID
    event_id: UUID
    task: str


async def stranded_events(*, older_than: timedelta, limit: int = 500) -> list[StrandedEvent]:
    """Events accepted but not processed (say Redis was down at ack time), across tenants.

    The sweeper re-enqueues them; job keys make that safe if a job is still queued.
    """
    cutoff = clock.now() - older_than
    rows = (
        await InboundEvent.select(InboundEvent.id, InboundEvent.tenant, InboundEvent.dedupe_key)
        .where(InboundEvent.processed_at.is_null() & (InboundEvent.created_at < cutoff))
        .order_by(InboundEvent.created_at)
        .limit(limit)
        .run()
    )
    return [
        StrandedEvent(
            tenant_id=row["tenant"],
            event_id=row["id"],
            task="apply_status" if row["dedupe_key"].startswith("status:") else "process_inbound",
        )
        for row in rows
    ]
