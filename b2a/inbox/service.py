"""The inbound half of the pipeline: accept durably, then store idempotently.

1. ``accept_inbound`` writes the event row before the transport is acknowledged;
   the row's unique (tenant, dedupe key) makes a redelivery a no-op.
2. ``store_inbound`` (in the worker, ``b2a.inbox.storing``) turns the event into
   customer, identities, conversation and message rows in one transaction. It may
   run twice for one event (a retry after a crash): the message's unique (tenant,
   WhatsApp id) keeps it to one row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from b2a.db.columns import json_value
from b2a.db.sql import Statement
from b2a.inbox.rules import DeliveryState, Transport
from b2a.inbox.storing import StoredInbound, Thread, conversation_for, store_inbound
from b2a.inbox.tables import Conversation, Customer, InboundEvent, Message
from b2a.lib import clock, metrics
from b2a.lib.text import readable, readable_json
from b2a.tenants.scope import TenantScope
from b2a.whatsapp import ids
from b2a.whatsapp.cloud_webhook import CloudStatus, CloudUpdate
from b2a.whatsapp.failures import describe_failure
from b2a.whatsapp.inbound import InboundMessage, fitted

# The worker's half lives in b2a.inbox.storing; callers reach the pipeline here.
__all__ = [
    "StatusApplied",
    "StoredInbound",
    "Thread",
    "accept_inbound",
    "accept_status",
    "accept_update",
    "apply_status",
    "conversation_for",
    "inbound_accepted",
    "store_inbound",
    "task_for",
]


_ACCEPT = Statement(
    """INSERT INTO inbound_event (id, created_at, tenant, channel, source, dedupe_key, payload)
    VALUES (:id, :at, :tenant, :channel, :source, :dedupe_key, :payload)
    ON CONFLICT (tenant, dedupe_key) DO NOTHING RETURNING id"""
)


async def accept_inbound(
    scope: TenantScope, channel_id: UUID, source: Transport, message: InboundMessage
) -> UUID | None:
    """Persist an inbound message before acknowledging it; None when already accepted.

    Every transport's message arrives here, so its ids are fitted here
    (``b2a.whatsapp.inbound.fitted``): an over-long WhatsApp id is stored as its
    stable digest, and a redelivery of it is still the same event.
    """
    message = fitted(message)
    return await _accept(
        scope, channel_id, source, _message_key(message.wa_message_id), message.to_json()
    )


async def inbound_accepted(scope: TenantScope, wa_message_id: str) -> bool:
    """Whether a message was accepted already (a redelivery needs no second download)."""
    return bool(
        await scope.exists(InboundEvent).where(
            InboundEvent.dedupe_key == _message_key(wa_message_id)
        )
    )


def _message_key(wa_message_id: str) -> str:
    """The event key of a message, as ``_accept`` stores it (id fitted, characters replaced)."""
    key: str = readable(f"msg:{ids.message_id(wa_message_id)}")
    return key


async def _accept(
    scope: TenantScope, channel_id: UUID, source: Transport, key: str, payload: dict[str, Any]
) -> UUID | None:
    """Insert the event; None when its dedupe key was already accepted.

    Whatever a phone sent is kept: a character text cannot hold (NUL, another
    control character, a lone surrogate) is replaced by U+FFFD in the key and
    everywhere in the payload (``b2a.lib.text``), never dropped, so the message,
    its sender's name and its file name are stored as they came, that excepted.
    """
    row = await scope.fetchrow(
        _ACCEPT,
        id=uuid4(),
        at=clock.now(),
        channel=channel_id,
        source=source,
        dedupe_key=readable(key),
        payload=readable_json(payload),
    )
    metrics.event_stored(source, key, row is not None)
    return row["id"] if row else None


STATUS_RANK = {
    DeliveryState.SENT: 1,
    DeliveryState.DELIVERED: 2,
    DeliveryState.READ: 3,
    DeliveryState.PLAYED: 4,
}
"""The delivery states a status can move a message to, in the only order it may move."""


async def accept_status(
    scope: TenantScope, channel_id: UUID, source: Transport, status: CloudStatus
) -> UUID | None:
    """Persist a delivery update before acknowledging it; None when already accepted."""
    payload = {
        "wamid": ids.message_id(status.wamid),
        "status": ids.status_word(status.status),
        "errors": status.errors,
        "at": status.at.isoformat(),
        "ref": status.callback_data,
    }
    return await _accept(scope, channel_id, source, f"status:{status.dedupe_key}", payload)


async def accept_update(
    scope: TenantScope, channel_id: UUID, source: Transport, update: CloudUpdate
) -> UUID | None:
    """Persist a business-side change (templates, account, preferences); None when a repeat."""
    payload = {
        "field": update.field,
        "waba_id": update.waba_id,
        "phone_number_id": update.phone_number_id,
        "value": update.value,
        "at": update.at.isoformat(),
    }
    return await _accept(scope, channel_id, source, f"update:{update.dedupe_key}", payload)


@dataclass(frozen=True)
class StatusApplied:
    """What a delivery update did: its message (None when b2a does not know it) and outcome."""

    message_id: UUID | None
    outcome: str


async def apply_status(scope: TenantScope, event_id: UUID) -> StatusApplied:
    """Apply or record one delivery update; the event is always marked processed.

    ``sent`` < ``delivered`` < ``read`` < ``played`` only move the state forward
    (updates arrive out of order); ``failed`` keeps WhatsApp's code and plain
    words; ``deleted`` marks the message deleted. A ``warning``, and any status
    b2a does not know, is recorded on the event (outcome "recorded"). A status
    for a message b2a does not know is "orphaned": recorded, never retried.
    """
    event = await scope.get(InboundEvent, event_id)
    data = dict(json_value(event.payload))
    message = await _status_target(scope, data)
    if message is None:
        outcome = "orphaned"
    else:
        outcome = await _apply(scope, message, str(data["status"]).lower(), data)
    event.processed_at = clock.now()
    event.outcome = outcome
    await event.save([InboundEvent.processed_at, InboundEvent.outcome])
    return StatusApplied(message.id if message else None, outcome)


async def _apply(scope: TenantScope, message: Message, status: str, data: dict[str, Any]) -> str:
    """Change the message as ``status`` says; the event's outcome."""
    now = clock.now()
    if status == "failed":
        failure = describe_failure(_first_error(data).get("code", "unknown"), _error_words(data))
        values: dict[Any, Any] = {
            Message.state: DeliveryState.FAILED,
            Message.state_changed_at: now,
            Message.error_code: failure.code,
            Message.error_detail: failure.plain,
        }
        await scope.update(Message, values).where(Message.id == message.id)
        if failure.code == STOPPED_MARKETING:
            await _opt_out(scope, message, now)
    elif status == "deleted":
        await scope.update(Message, {Message.deleted_at: now}).where(
            (Message.id == message.id) & Message.deleted_at.is_null()
        )
    elif status == "warning":
        words = _error_words(data) or "no detail given"
        detail = f"WhatsApp sent a warning about this message: {words}"[:500]
        await scope.update(Message, {Message.error_detail: detail}).where(Message.id == message.id)
        return "recorded"
    elif status.upper() in STATUS_RANK:
        await _move_forward(scope, message.id, DeliveryState(status.upper()), now)
    else:
        return "recorded"
    return "applied"


async def _move_forward(
    scope: TenantScope, message_id: UUID, state: DeliveryState, now: datetime
) -> None:
    """One conditional UPDATE, so concurrent out-of-order updates only move forward."""
    earlier = [
        s
        for s in DeliveryState
        if STATUS_RANK.get(s, 0) < STATUS_RANK[state]
        and s not in (DeliveryState.FAILED, DeliveryState.DEAD)
    ]
    await scope.update(Message, {Message.state: state, Message.state_changed_at: now}).where(
        (Message.id == message_id) & Message.state.is_in(earlier)
    )


STOPPED_MARKETING = "131050"
"""WhatsApp refused a marketing template: the customer stopped marketing from this business."""


async def _opt_out(scope: TenantScope, message: Message, at: datetime) -> None:
    """Meta's refusal is the customer's stop as surely as a preferences webhook: remember it."""
    conversation = await scope.get(Conversation, message.conversation)
    await scope.update(Customer, {Customer.marketing_opt_out_at: at}).where(
        (Customer.id == conversation.customer) & Customer.marketing_opt_out_at.is_null()
    )


def _first_error(data: dict[str, Any]) -> dict[str, Any]:
    errors = data.get("errors") or [{}]
    return errors[0] if isinstance(errors[0], dict) else {}


def _error_words(data: dict[str, Any]) -> str:
    """WhatsApp's own words for an error or warning: its title, message or details."""
    error = _first_error(data)
    details = error.get("error_data")
    for words in (
        error.get("title"),
        error.get("message"),
        details.get("details") if isinstance(details, dict) else None,
    ):
        if words:
            return str(words)
    return ""


async def _status_target(scope: TenantScope, data: dict[str, Any]) -> Message | None:
    """The message a status is about: by wamid, or by our id echoed back as callback data.

    The second case is a send whose answer never reached us (the worker died or the
    request timed out): the status proves WhatsApp accepted it, so the message
    learns its wamid and leaves the uncertain state.
    """
    wamid = ids.message_id(str(data["wamid"]))
    message = await scope.objects(Message).where(Message.wa_message_id == wamid).first()
    if message is not None or not data.get("ref"):
        return message
    try:
        ref = UUID(str(data["ref"]))
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
            {Message.wa_message_id: wamid, Message.state: DeliveryState.SENT},
        ).where(Message.id == message.id)
        message.state = DeliveryState.SENT
    return message


_TASKS = {"status": "apply_status", "update": "apply_update", "msg": "process_inbound"}


def task_for(dedupe_key: str) -> str:
    """The worker task that processes an event, by the prefix of its key."""
    return _TASKS.get(dedupe_key.partition(":")[0], "process_inbound")
