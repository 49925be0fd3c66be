"""Sending one queued message, at most once, paced, in order, with retries and dead letters.

The send job calls ``deliver``; the outcome tells it whether to stop, come back
later (pacing) or retry (a transient failure). A conversation's messages leave
in the order they were made: only the head of its queue is sent, the others
wait to be woken (``b2a.outbox.ordering``). A head in retry backoff keeps its
place, so nothing overtakes a reply WhatsApp has not taken yet; a dead one
releases the queue. The message row is the source of
truth: QUEUED → SENDING (claimed by one conditional UPDATE) → SENT, or DEAD with
the reason. A job that finds its message still SENDING was interrupted mid-send
(the worker died): it resends only through a transport that drops duplicates
itself; otherwise the message goes to the dead letters rather than risk reaching
the customer twice. A Cloud API status webhook echoing our id later corrects it.
A tenant whose billing is suspended (``b2a.billing.rules.suspension``, on the
subscription read with the message) sends nothing:
its messages go to the dead letters with the reason.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

from b2a.billing.rules import LIVE, SubscriptionStatus, Suspension, suspension
from b2a.db.columns import json_value
from b2a.db.sql import Statement
from b2a.errors import NotFound, TransportError
from b2a.inbox.media import tenant_media_dir
from b2a.inbox.preferences import is_marketing
from b2a.inbox.rules import DeliveryState, IdentityKind, MessageKind, Transport
from b2a.inbox.tables import Message
from b2a.lib import clock, metrics, ratelimit
from b2a.outbox import ordering
from b2a.outbox.rules import ScheduleStatus, departures
from b2a.outbox.tables import ScheduledMessage
from b2a.outbox.transports import SendingChannel
from b2a.settings import SendingSettings
from b2a.tenants.scope import TenantScope
from b2a.whatsapp import ids
from b2a.whatsapp import transport as wa

# Still waiting to go: in the queue of its conversation.
WAITING = (DeliveryState.QUEUED, DeliveryState.SENDING)
# A per-number wait shorter than this is slept off in the job; longer ones reschedule it.
SLEEP_AT_MOST = 1.0
NO_MARKETING = (
    "the customer asked WhatsApp for no marketing messages after this one was queued, "
    "so it was not sent"
)
INTERRUPTED = (
    "the worker stopped while sending; WhatsApp may have accepted it, so it was not sent again"
)


class TransportSource(Protocol):
    """Hands out the transport for a channel (one per worker process, cached)."""

    async def for_channel(self, channel: SendingChannel) -> wa.Transport:
        """The transport of this channel."""


class Step(StrEnum):
    """What the send job does next."""

    DONE = "DONE"
    LATER = "LATER"
    RETRY = "RETRY"
    BEHIND = "BEHIND"
    """An earlier message of the conversation goes first; this one is woken when it heads."""


@dataclass(frozen=True)
class Outcome:
    """The message's state after this attempt, and whether and when to try again."""

    step: Step
    state: str
    delay: float = 0.0
    reason: str = ""
    left: bool = False
    """This attempt took the message out of its conversation's queue (sent or dead)."""


@dataclass(frozen=True)
class Pending:
    """A message as its send job reads it, with its channel and recipient, in one statement."""

    id: UUID
    conversation: UUID
    state: str
    kind: str
    text: str
    media_path: str
    media_mime: str
    template: Any
    data: Any
    recipient: str
    scheduled: bool
    channel: SendingChannel
    marketing_opt_out: bool = False
    """The customer asked for no marketing messages (``b2a.inbox.preferences``)."""
    billing_hold: Suspension | None = None
    """Why the tenant's subscription stops its sending now (``b2a.billing.rules``), if it does."""


# The tenant's current subscription (``billing.periods.current_subscription``): its newest live
# one, joined (a column of a scalar subquery would lose its type on SQLite) by the tenant's index.
_LIVE = ", ".join(f"'{status}'" for status in sorted(LIVE))
_SUBSCRIPTION = f"""LEFT JOIN subscription sub ON sub.tenant = :tenant AND sub.status IN ({_LIVE})
        AND NOT EXISTS (SELECT 1 FROM subscription n
            WHERE n.tenant = :tenant AND n.status IN ({_LIVE})
                AND (n.created_at > sub.created_at
                    OR (n.created_at = sub.created_at AND n.id > sub.id)))"""
# The recipient: Cloud sends to the wa_id, web to the JID; both fall back to the phone number.
# The subscription is read here too: billing may stop the send (``billing.rules.suspension``).
_PENDING = Statement(
    f"""SELECT m.id, m.conversation, m.state, m.kind, m.text, m.media_path, m.media_mime,
        m.template, m.data, ch.id AS channel_id, ch.transport, ch.credentials,
        COALESCE((SELECT i.value FROM customer_identity i
            WHERE i.customer = c.customer AND (i.tenant = m.tenant
                AND i.kind = CASE ch.transport WHEN :cloud THEN :wa_id WHEN :web THEN :jid END)
                IS TRUE
            LIMIT 1), cu.phone) AS recipient,
        cu.marketing_opt_out_at IS NOT NULL AS marketing_opt_out,
        EXISTS (SELECT 1 FROM scheduled_message s
            WHERE s.message = m.id AND (s.tenant = m.tenant) IS TRUE) AS scheduled,
        sub.status AS subscription_status, sub.grace_until
    FROM message m
    JOIN conversation c ON c.id = m.conversation
    JOIN channel ch ON ch.id = c.channel
    JOIN customer cu ON cu.id = c.customer
    {_SUBSCRIPTION}
    WHERE m.id = :id AND (m.tenant = :tenant) IS TRUE"""
)
_CLAIM = Statement(
    """UPDATE message SET state = :sending, attempts = attempts + 1, state_changed_at = :at,
        held_until = NULL
    WHERE id = :id AND (tenant = :tenant AND state = :state) IS TRUE RETURNING attempts"""
)
_SENT = Statement(
    """UPDATE message SET state = :sent, wa_message_id = :wa_message_id, state_changed_at = :at,
        error_code = '', error_detail = ''
    WHERE id = :id AND (tenant = :tenant AND state = :sending) IS TRUE"""
)


async def deliver(
    scope: TenantScope,
    message_id: UUID,
    *,
    transports: TransportSource,
    redis: Any,
    pacing: SendingSettings,
    media_root: Path,
) -> Outcome:
    """Send the message if it is its conversation's next to go; see the module docstring."""
    message = await _pending(scope, message_id, media_root)
    if message.state not in WAITING:
        return Outcome(Step.DONE, message.state)
    async with ordering.turn(redis, scope.tenant_id, message.conversation) as mine:
        if not mine:
            return Outcome(Step.LATER, message.state, delay=ordering.BUSY_RETRY)
        outcome = await _take_turn(scope, message, transports, redis, pacing)
    if outcome.left:
        await ordering.wake_next(scope, message.conversation)
    return outcome


async def _take_turn(
    scope: TenantScope,
    message: Pending,
    transports: TransportSource,
    redis: Any,
    pacing: SendingSettings,
) -> Outcome:
    """Holding the conversation's turn: send the message if it heads the queue."""
    queue = await ordering.waiting(scope, message.conversation, ordering.ESTIMATED)
    if not queue or queue[0].id != message.id:
        return await _behind(scope, redis, message, queue, pacing)
    message = replace(message, state=queue[0].state)
    transport = await transports.for_channel(message.channel)
    if message.state == DeliveryState.SENDING and not transport.resend_is_safe:
        await _bury(scope, message, "INTERRUPTED", INTERRUPTED)
        return Outcome(Step.DONE, DeliveryState.DEAD, reason=INTERRUPTED, left=True)
    wait = await _pace(redis, scope, message.channel, message.recipient, pacing)
    if wait:
        await _estimate(scope, redis, message.recipient, queue, wait, pacing)
        # Touched, so the stranded-send sweep knows a job still looks after it.
        await scope.update(Message, {Message.state_changed_at: clock.now()}).where(
            (Message.id == message.id) & (Message.state == message.state)
        )
        return Outcome(Step.LATER, message.state, delay=wait)
    return await _send(scope, message, transport, pacing)


async def _behind(
    scope: TenantScope,
    redis: Any,
    message: Pending,
    queue: list[ordering.Waiting],
    pacing: SendingSettings,
) -> Outcome:
    """Not the head: wait to be woken; behind a held head, with an estimate of when it leaves."""
    state = (await scope.get(Message, message.id)).state
    if state not in WAITING:
        return Outcome(Step.DONE, state)
    held = queue[0].held_until if queue else None
    if held is not None and held > clock.now():
        first = (held - clock.now()).total_seconds()
        await _estimate(scope, redis, message.recipient, queue, first, pacing)
    return Outcome(Step.BEHIND, state)


async def _send(
    scope: TenantScope, message: Pending, transport: wa.Transport, pacing: SendingSettings
) -> Outcome:
    """Claim the message, check it may still go, and hand it to the transport."""
    attempts = await _claim(scope, message)
    if attempts is None:
        return Outcome(Step.DONE, (await scope.get(Message, message.id)).state)
    hold = message.billing_hold
    if hold is not None:
        await _bury(scope, message, hold.code, hold.reason)
        return Outcome(Step.DONE, DeliveryState.DEAD, reason=hold.reason, left=True)
    if _unwanted_marketing(message):
        await _bury(scope, message, "NO_MARKETING", NO_MARKETING)
        return Outcome(Step.DONE, DeliveryState.DEAD, reason=NO_MARKETING, left=True)
    try:
        sent = await transport.send(_outbound(message))
    except TransportError as error:
        metrics.send_done(message.channel.transport, error.code)
        return await _failed(scope, message, error, attempts, pacing, transport.resend_is_safe)
    metrics.send_done(message.channel.transport, "ok")
    await scope.execute(
        _SENT,
        id=message.id,
        sent=DeliveryState.SENT,
        sending=DeliveryState.SENDING,
        # The id WhatsApp gave, fitted as every id is: its statuses find it under the same.
        wa_message_id=ids.message_id(sent.wa_message_id),
        at=clock.now(),
    )
    if message.scheduled:
        await _finish_schedule(scope, message.id, ScheduleStatus.SENT, "")
    return Outcome(Step.DONE, DeliveryState.SENT, left=True)


async def _pending(scope: TenantScope, message_id: UUID, media_root: Path) -> Pending:
    """The message, its channel and its recipient.

    Raises:
        NotFound: no such message for this tenant.
    """
    row = await scope.fetchrow(
        _PENDING,
        id=message_id,
        cloud=Transport.CLOUD,
        wa_id=IdentityKind.WA_ID,
        web=Transport.WEB,
        jid=IdentityKind.JID,
    )
    if row is None:
        raise NotFound("Message not found.")
    return Pending(
        id=row["id"],
        conversation=row["conversation"],
        state=row["state"],
        kind=row["kind"],
        text=row["text"],
        # Stored relative to the tenant's media directory; the transport reads the file.
        media_path=str(tenant_media_dir(media_root, scope.tenant_id) / row["media_path"])
        if row["media_path"]
        else "",
        media_mime=row["media_mime"],
        template=row["template"],
        data=row["data"],
        recipient=str(row["recipient"]),
        scheduled=bool(row["scheduled"]),
        channel=SendingChannel(
            row["channel_id"], scope.tenant_id, row["transport"], row["credentials"]
        ),
        marketing_opt_out=bool(row["marketing_opt_out"]),
        billing_hold=_billing_hold(row["subscription_status"], row["grace_until"]),
    )


def _billing_hold(status: str | None, grace_until: datetime | None) -> Suspension | None:
    """What ``billing_suspension`` says, from the subscription read with the message."""
    return suspension(SubscriptionStatus(status) if status else None, grace_until, clock.now())


async def _pace(
    redis: Any,
    scope: TenantScope,
    channel: SendingChannel,
    recipient: str,
    pacing: SendingSettings,
) -> float:
    """Seconds until this message may go: a slot of the customer's and the number's limits.

    Both slots are taken together or not at all, so a message the number's
    throughput holds keeps no slot of the customer's limit it cannot use.
    """
    limits = [_customer_limit(scope, recipient, pacing)]
    if channel.transport == Transport.CLOUD:
        number = ratelimit.limit_key("number", str(channel.id))
        limits.append(ratelimit.Limit(number, pacing.per_number_per_second, 1))
    while True:
        wait = await ratelimit.reserve_all(redis, limits)
        if wait == 0 or wait > SLEEP_AT_MOST:
            return wait
        await asyncio.sleep(wait)


def _customer_limit(scope: TenantScope, recipient: str, pacing: SendingSettings) -> ratelimit.Limit:
    key = ratelimit.limit_key("customer", str(scope.tenant_id), recipient)
    return ratelimit.Limit(key, pacing.per_customer, pacing.customer_window_seconds)


async def _estimate(
    scope: TenantScope,
    redis: Any,
    recipient: str,
    queue: list[ordering.Waiting],
    first: float,
    pacing: SendingSettings,
) -> None:
    """The limit holds the head ``first`` seconds: say when it and those behind should leave."""
    customer = _customer_limit(scope, recipient, pacing)
    leaving = departures(
        await ratelimit.taken(redis, customer),
        limit=customer.limit,
        window=customer.window,
        count=len(queue),
        first=first,
    )
    await ordering.hold(scope, queue, leaving)


async def _claim(scope: TenantScope, message: Pending) -> int | None:
    """Move QUEUED (or interrupted SENDING) to SENDING; the attempt number, None if taken."""
    row = await scope.fetchrow(
        _CLAIM, id=message.id, state=message.state, sending=DeliveryState.SENDING, at=clock.now()
    )
    return int(row["attempts"]) if row else None


def _unwanted_marketing(message: Pending) -> bool:
    """A marketing template queued before the customer asked WhatsApp for none."""
    if not message.marketing_opt_out or message.kind != MessageKind.TEMPLATE:
        return False
    template: dict[str, Any] = dict(json_value(message.template) or {})
    return is_marketing(str(template.get("category", "")))


def _outbound(message: Pending) -> wa.Outbound:
    template: dict[str, Any] = dict(json_value(message.template) or {})
    if message.kind == MessageKind.TEMPLATE and template:
        return wa.Outbound(
            to=message.recipient,
            kind="template",
            text=message.text,
            template=wa.TemplateSend(
                name=str(template["name"]),
                language=str(template["language"]),
                body_params=[str(p) for p in template.get("params", [])],
            ),
            ref=str(message.id),
        )
    return wa.Outbound(
        to=message.recipient,
        kind=str(message.kind),
        text=message.text,
        media_path=message.media_path,
        media_mime=message.media_mime,
        filename=str(dict(json_value(message.data) or {}).get("filename") or ""),
        ref=str(message.id),
    )


async def _failed(
    scope: TenantScope,
    message: Pending,
    error: TransportError,
    attempts: int,
    pacing: SendingSettings,
    resend_is_safe: bool,
) -> Outcome:
    code = error.code
    if error.maybe_sent and not resend_is_safe:
        reason = f"{error.message} Not sent again, so the customer cannot get it twice."
        await _bury(scope, message, code, reason)
        return Outcome(Step.DONE, DeliveryState.DEAD, reason=reason, left=True)
    if error.permanent or attempts >= pacing.attempts:
        reason = error.message if error.permanent else f"{error.message} (gave up after {attempts})"
        await _bury(scope, message, code, reason)
        return Outcome(Step.DONE, DeliveryState.DEAD, reason=reason, left=True)
    await scope.update(
        Message,
        {
            Message.state: DeliveryState.QUEUED,
            Message.error_code: code,
            Message.error_detail: error.message[:500],
            Message.state_changed_at: clock.now(),
        },
    ).where((Message.id == message.id) & (Message.state == DeliveryState.SENDING))
    delay = pacing.retry_delay_seconds * 4 ** (attempts - 1)
    return Outcome(Step.RETRY, DeliveryState.QUEUED, delay=delay, reason=error.message)


async def _bury(scope: TenantScope, message: Pending, code: str, reason: str) -> None:
    """Move a SENDING message to the dead letters with the reason agents will read."""
    metrics.dead_letter(code)
    await scope.update(
        Message,
        {
            Message.state: DeliveryState.DEAD,
            Message.error_code: code[:16],
            Message.error_detail: reason[:500],
            Message.state_changed_at: clock.now(),
            Message.held_until: None,
        },
    ).where((Message.id == message.id) & (Message.state == DeliveryState.SENDING))
    if message.scheduled:
        await _finish_schedule(scope, message.id, ScheduleStatus.FAILED, reason)


async def _finish_schedule(
    scope: TenantScope, message_id: UUID, status: ScheduleStatus, reason: str
) -> None:
    """A scheduled message is SENT or FAILED only when its send really succeeded or failed."""
    await scope.update(
        ScheduledMessage,
        {
            ScheduledMessage.status: status,
            ScheduledMessage.last_error: reason[:500],
            ScheduledMessage.finished_at: clock.now(),
        },
    ).where(
        (ScheduledMessage.message == message_id)
        & (ScheduledMessage.status == ScheduleStatus.PENDING)
    )
