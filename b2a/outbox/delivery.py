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

``deliver_batch`` does the same for the sends a worker's jobs make at once, with
a few statements for the whole batch; ``deliver`` is what every send job runs,
and each message's fallback when its batch fails.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

from b2a.billing.rules import LIVE, SubscriptionStatus, Suspension, suspension
from b2a.db.columns import json_value
from b2a.db.sql import Row, Statement, case_by_id, each_row, listed, on_postgres
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
_PENDING_SQL = f"""SELECT m.id, m.conversation, m.state, m.kind, m.text, m.media_path, m.media_mime,
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
_PENDING = Statement(_PENDING_SQL)
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
        return await _later(scope, redis, message, queue, wait, pacing)
    return await _send(scope, message, transport, pacing)


async def _later(
    scope: TenantScope,
    redis: Any,
    message: Pending,
    queue: list[ordering.Waiting],
    wait: float,
    pacing: SendingSettings,
) -> Outcome:
    """The limits hold the head ``wait`` seconds: estimates for its queue, and come back then."""
    await _estimate(scope, redis, message.recipient, queue, wait, pacing)
    # Touched, so the stranded-send sweep knows a job still looks after it.
    await scope.update(Message, {Message.state_changed_at: clock.now()}).where(
        (Message.id == message.id) & (Message.state == message.state)
    )
    return Outcome(Step.LATER, message.state, delay=wait)


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
    sent = await _transmit(scope, message, transport, attempts, pacing)
    if isinstance(sent, Outcome):
        return sent
    await scope.execute(
        _SENT,
        id=message.id,
        sent=DeliveryState.SENT,
        sending=DeliveryState.SENDING,
        wa_message_id=sent,
        at=clock.now(),
    )
    if message.scheduled:
        await _finish_schedule(scope, message.id, ScheduleStatus.SENT, "")
    return Outcome(Step.DONE, DeliveryState.SENT, left=True)


async def _transmit(
    scope: TenantScope,
    message: Pending,
    transport: wa.Transport,
    attempts: int,
    pacing: SendingSettings,
) -> Outcome | str:
    """A claimed message, checked and handed to the transport: WhatsApp's id, or the outcome.

    The caller records the id (``_SENT``); a hold, an opt-out or a failure is
    recorded here.
    """
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
    # The id WhatsApp gave, fitted as every id is: its statuses find it under the same.
    return ids.message_id(sent.wa_message_id)


async def _pending(scope: TenantScope, message_id: UUID, media_root: Path) -> Pending:
    """The message, its channel and its recipient.

    Raises:
        NotFound: no such message for this tenant.
    """
    row = await scope.fetchrow(_PENDING, id=message_id, **_RECIPIENT_KINDS)
    if row is None:
        raise NotFound("Message not found.")
    return _read_pending(scope, row, media_root)


_RECIPIENT_KINDS = {
    "cloud": Transport.CLOUD,
    "wa_id": IdentityKind.WA_ID,
    "web": Transport.WEB,
    "jid": IdentityKind.JID,
}


def _read_pending(scope: TenantScope, row: Row, media_root: Path) -> Pending:
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
    limits = _limits(scope, channel, recipient, pacing)
    while True:
        wait = await ratelimit.reserve_all(redis, limits)
        if wait == 0 or wait > SLEEP_AT_MOST:
            return wait
        await asyncio.sleep(wait)


def _limits(
    scope: TenantScope, channel: SendingChannel, recipient: str, pacing: SendingSettings
) -> list[ratelimit.Limit]:
    """The limits a send takes a slot of: the customer's, and on the Cloud API the number's."""
    limits = [_customer_limit(scope, recipient, pacing)]
    if channel.transport == Transport.CLOUD:
        number = ratelimit.limit_key("number", str(channel.id))
        limits.append(ratelimit.Limit(number, pacing.per_number_per_second, 1))
    return limits


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


# The batch's statements (``deliver_batch``). On PostgreSQL one text whatever the batch's size,
# each row's values in one array per column (as ``db.sql.insert_rows``). The lookups are
# LATERAL subqueries, one primary-key probe a row. The UPDATEs join the rows through a LIMIT
# of the rows' count: a generic plan made while the tables were empty then expects one row,
# not unnest's default ten, and probes the primary key rather than scanning ``message``
# (tests/integration/test_plans.py); the row's own condition inside ``IS TRUE`` keeps the
# checks in the join, off the scan's estimate. SQLite has no arrays: a text per size.
_PENDING_EACH = Statement(
    f"""SELECT p.* FROM unnest(:ids::uuid[]) AS q(id)
    CROSS JOIN LATERAL ({_PENDING_SQL.replace("m.id = :id", "m.id = q.id")} LIMIT 1) p"""
)
_CLAIM_EACH = Statement(
    """UPDATE message m SET state = :sending, attempts = m.attempts + 1, state_changed_at = :at,
        held_until = NULL
    FROM (SELECT * FROM unnest(:id_rows::uuid[], :state_rows::text[]) LIMIT :count) AS u(id, state)
    WHERE m.id = u.id AND (m.tenant = :tenant AND m.state = u.state) IS TRUE
    RETURNING m.id, m.attempts"""
)
_SENT_EACH = Statement(
    """UPDATE message m SET state = :sent, wa_message_id = u.wamid, state_changed_at = :at,
        error_code = '', error_detail = ''
    FROM (SELECT * FROM unnest(:id_rows::uuid[], :wamid_rows::text[], :attempts_rows::int[])
        LIMIT :count) AS u(id, wamid, attempts)
    WHERE m.id = u.id AND (m.tenant = :tenant AND m.state = :sending AND m.attempts = u.attempts)
        IS TRUE"""
)


@cache
def _pending_each(count: int) -> Statement:
    return Statement(
        each_row(
            count,
            f"SELECT * FROM ({_PENDING_SQL.replace('m.id = :id', 'm.id = :id{n}')})",
            " UNION ALL ",
        )
    )


@cache
def _claim_each(count: int) -> Statement:
    return Statement(
        f"""UPDATE message SET state = :sending, attempts = attempts + 1, state_changed_at = :at,
            held_until = NULL
        WHERE id IN ({listed("id", count)})
            AND (tenant = :tenant AND state = {case_by_id("state", count)}) IS TRUE
        RETURNING id, attempts"""
    )


@cache
def _sent_each(count: int) -> Statement:
    return Statement(
        f"""UPDATE message SET state = :sent, wa_message_id = {case_by_id("wa_message_id", count)},
            state_changed_at = :at, error_code = '', error_detail = ''
        WHERE id IN ({listed("id", count)})
            AND (tenant = :tenant AND state = :sending
                AND attempts = {case_by_id("attempts", count)}) IS TRUE"""
    )


Delivered = Outcome | Exception
"""A batch's answer for one message: its outcome, or the error its send raised (re-raise it)."""


@dataclass(frozen=True)
class _Head:
    """A batch's message that heads its conversation's queue, with its transport."""

    message: Pending
    queue: list[ordering.Waiting]
    transport: wa.Transport


async def deliver_batch(
    items: list[tuple[UUID, UUID]],
    *,
    transports: TransportSource,
    redis: Any,
    pacing: SendingSettings,
    media_root: Path,
) -> dict[tuple[UUID, UUID], Delivered]:
    """``deliver`` for many (tenant, message) sends at once: a few statements whatever their number.

    Per tenant: one read of the messages, the conversations' turns in one Redis
    call, one read of their queues, the pacing of every head in one call, one
    claim, the sends concurrently, one UPDATE for those WhatsApp took. Everything
    ``deliver`` guarantees holds: only a conversation's head is sent, holding its
    turn (a second message of it in the batch is behind, woken when the head
    leaves); a claimed message goes at most once; holds, opt-outs, waits and
    failures are handled as ``deliver`` does, one message at a time (they are
    rare). An error of one message's send is that message's answer; an error of
    the batch's own statements raises: each caller then delivers alone.
    """
    by_tenant: dict[UUID, list[UUID]] = {}
    for tenant_id, message_id in items:
        by_tenant.setdefault(tenant_id, []).append(message_id)
    done = await asyncio.gather(
        *(
            _deliver_tenant(TenantScope(tenant_id), ids_, transports, redis, pacing, media_root)
            for tenant_id, ids_ in by_tenant.items()
        )
    )
    return {
        (tenant_id, message_id): outcome
        for tenant_id, outcomes in zip(by_tenant, done, strict=True)
        for message_id, outcome in outcomes.items()
    }


async def _deliver_tenant(
    scope: TenantScope,
    message_ids: list[UUID],
    transports: TransportSource,
    redis: Any,
    pacing: SendingSettings,
    media_root: Path,
) -> dict[UUID, Delivered]:
    outcomes: dict[UUID, Delivered] = {}
    pending = await _pending_batch(scope, message_ids, media_root)
    waiting: list[Pending] = []
    for message_id in message_ids:
        message = pending.get(message_id)
        if message is None:
            outcomes[message_id] = NotFound("Message not found.")
        elif message.state not in WAITING:
            outcomes[message_id] = Outcome(Step.DONE, message.state)
        else:
            waiting.append(message)
    if not waiting:
        return outcomes
    conversations = list(dict.fromkeys(m.conversation for m in waiting))
    turns = await ordering.take_turns(redis, scope.tenant_id, conversations)
    try:
        mine = [c for c in conversations if turns[c]]
        queues = await ordering.waiting_each(scope, mine, ordering.ESTIMATED)
        heads: list[_Head] = []
        for message in waiting:
            queue = queues.get(message.conversation)
            if queue is None:
                outcomes[message.id] = Outcome(Step.LATER, message.state, delay=ordering.BUSY_RETRY)
            elif queue and queue[0].id == message.id:
                head = replace(message, state=queue[0].state)
                transport = await transports.for_channel(head.channel)
                heads.append(_Head(head, queue, transport))
            else:
                outcomes[message.id] = await _behind(scope, redis, message, queue, pacing)
        outcomes.update(await _send_heads(scope, heads, redis, pacing))
    finally:
        await ordering.release_turns(redis, scope.tenant_id, turns)
    for message in waiting:
        outcome = outcomes[message.id]
        # Only a queue with another message behind its head has one to wake.
        if isinstance(outcome, Outcome) and outcome.left and len(queues[message.conversation]) > 1:
            await ordering.wake_next(scope, message.conversation)
    return outcomes


async def _pending_batch(
    scope: TenantScope, message_ids: list[UUID], media_root: Path
) -> dict[UUID, Pending]:
    """``_pending`` for every message, in one statement; a message not found is left out."""
    if on_postgres():
        rows = await scope.fetch(_PENDING_EACH, ids=message_ids, **_RECIPIENT_KINDS)
    else:
        params = {f"id{n}": message_id for n, message_id in enumerate(message_ids)}
        rows = await scope.fetch(_pending_each(len(message_ids)), **params, **_RECIPIENT_KINDS)
    return {row["id"]: _read_pending(scope, row, media_root) for row in rows}


async def _send_heads(
    scope: TenantScope, heads: list[_Head], redis: Any, pacing: SendingSettings
) -> dict[UUID, Delivered]:
    """The heads paced in one Redis call, claimed in one UPDATE, sent together, recorded in one."""
    outcomes, ready = await _resumable(scope, heads)
    waits = await ratelimit.reserve_each(
        redis, [_limits(scope, h.message.channel, h.message.recipient, pacing) for h in ready]
    )
    now: list[_Head] = []
    soon: list[_Head] = []
    sends: list[Awaitable[Outcome | str]] = []
    for head, wait in zip(ready, waits, strict=True):
        if not wait:
            now.append(head)
        elif wait > SLEEP_AT_MOST:
            outcomes[head.message.id] = await _later(
                scope, redis, head.message, head.queue, wait, pacing
            )
        else:  # a short wait is slept off, as ``deliver`` does, and that send goes alone
            soon.append(head)
            sends.append(_send_soon(scope, head, wait, redis, pacing))
    claimed = await _claim_batch(scope, [h.message for h in now])
    # From the claim on, what goes wrong with one message is its own answer, not the batch's.
    for head in now:
        attempts = claimed.get(head.message.id)
        if attempts is None:
            sends.append(_taken(scope, head.message.id))
        else:
            sends.append(_transmit(scope, head.message, head.transport, attempts, pacing))
    answers = await asyncio.gather(*sends, return_exceptions=True)
    sent: dict[UUID, tuple[str, int]] = {}
    for head, answer in zip([*soon, *now], answers, strict=True):
        if isinstance(answer, str):
            sent[head.message.id] = (answer, claimed[head.message.id])
            outcomes[head.message.id] = Outcome(Step.DONE, DeliveryState.SENT, left=True)
        elif isinstance(answer, Outcome | Exception):
            outcomes[head.message.id] = answer
        else:  # cancelled: no caller may wait forever, nor the batch go on
            raise answer
    await _record_sent(scope, sent)
    for head in now:
        if head.message.id in sent and head.message.scheduled:
            await _finish_schedule(scope, head.message.id, ScheduleStatus.SENT, "")
    return outcomes


async def _resumable(
    scope: TenantScope, heads: list[_Head]
) -> tuple[dict[UUID, Delivered], list[_Head]]:
    """A head found SENDING (its worker died mid-send) is buried unless resending is safe."""
    outcomes: dict[UUID, Delivered] = {}
    ready: list[_Head] = []
    for head in heads:
        message = head.message
        if message.state == DeliveryState.SENDING and not head.transport.resend_is_safe:
            await _bury(scope, message, "INTERRUPTED", INTERRUPTED)
            outcomes[message.id] = Outcome(
                Step.DONE, DeliveryState.DEAD, reason=INTERRUPTED, left=True
            )
        else:
            ready.append(head)
    return outcomes, ready


async def _taken(scope: TenantScope, message_id: UUID) -> Outcome:
    """Another job claimed the message first: its state now."""
    return Outcome(Step.DONE, (await scope.get(Message, message_id)).state)


async def _send_soon(
    scope: TenantScope, head: _Head, wait: float, redis: Any, pacing: SendingSettings
) -> Outcome:
    """A head the limits hold under a second: slept off, then paced and sent alone."""
    await asyncio.sleep(wait)
    message = head.message
    wait = await _pace(redis, scope, message.channel, message.recipient, pacing)
    if wait:
        return await _later(scope, redis, message, head.queue, wait, pacing)
    return await _send(scope, message, head.transport, pacing)


async def _claim_batch(scope: TenantScope, messages: list[Pending]) -> dict[UUID, int]:
    """``_claim`` for every message in one UPDATE: the attempt number of each one claimed."""
    if not messages:
        return {}
    # In the ids' order, like every batch: two transactions lock shared rows in the same order.
    ordered = sorted(messages, key=lambda m: str(m.id))
    common = {"sending": DeliveryState.SENDING, "at": clock.now()}
    if on_postgres():
        rows = await scope.fetch(
            _CLAIM_EACH,
            id_rows=[m.id for m in ordered],
            state_rows=[m.state for m in ordered],
            count=len(ordered),
            **common,
        )
    else:
        params: dict[str, Any] = {}
        for n, m in enumerate(ordered):
            params[f"id{n}"], params[f"state{n}"] = m.id, m.state
        rows = await scope.fetch(_claim_each(len(ordered)), **params, **common)
    return {row["id"]: int(row["attempts"]) for row in rows}


async def _record_sent(scope: TenantScope, sent: dict[UUID, tuple[str, int]]) -> None:
    """``_SENT`` for every message WhatsApp took (its id, and the attempt that sent it)."""
    if not sent:
        return
    ordered = sorted(sent, key=str)
    common = {
        "sent": DeliveryState.SENT,
        "sending": DeliveryState.SENDING,
        "at": clock.now(),
    }
    if on_postgres():
        await scope.execute(
            _SENT_EACH,
            id_rows=ordered,
            wamid_rows=[sent[m][0] for m in ordered],
            attempts_rows=[sent[m][1] for m in ordered],
            count=len(ordered),
            **common,
        )
        return
    params: dict[str, Any] = {}
    for n, message_id in enumerate(ordered):
        params[f"id{n}"] = message_id
        params[f"wa_message_id{n}"], params[f"attempts{n}"] = sent[message_id]
    await scope.execute(_sent_each(len(ordered)), **params, **common)
