"""Scheduled messages: written in the tenant's time zone, sent by a minute cron.

A schedule becomes an ordinary outbound message when it falls due: the message
row and the schedule's link to it are written in one transaction, so a crash
can neither lose the schedule nor send it twice, and the send job (enqueued
after the commit, or by the stranded-send sweep if the process died first)
does the rest. The schedule turns SENT or FAILED only when that send really
succeeded or gave up (``b2a.outbox.delivery``). Queueing itself is tried up to
``QUEUE_ATTEMPTS`` times, a minute apart, before the schedule fails with the
reason: a closed 24-hour window may reopen, a disconnected number may return.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from b2a.db.columns import json_value
from b2a.db.transaction import atomic
from b2a.errors import B2AError, Conflict, Invalid
from b2a.inbox.preferences import MarketingOptedOut, refuse_marketing
from b2a.inbox.rules import Author, ChannelState, Transport
from b2a.inbox.service import conversation_for
from b2a.inbox.tables import Channel, Conversation, Customer
from b2a.lib import clock
from b2a.outbox.queueing import Draft, Sender, enqueue_send, store_outbound
from b2a.outbox.rules import ScheduleStatus, render_template
from b2a.outbox.tables import MessageTemplate, ScheduledMessage
from b2a.tenants.locale import business_zone
from b2a.tenants.scope import TenantScope

QUEUE_ATTEMPTS = 3
NO_NUMBER = (
    "This customer has not written to you yet and no WhatsApp number is connected, so the "
    "message has no way to leave: connect a number on the Connect WhatsApp page first."
)
# A time a few seconds in the past (a form submitted "now") still counts as now.
PAST_TOLERANCE = timedelta(minutes=1)


@dataclass(frozen=True)
class ScheduleRequest:
    """A message to send later; a naive ``send_at`` is wall-clock time in the tenant's zone."""

    customer_id: UUID
    send_at: datetime
    text: str = ""
    template_id: UUID | None = None
    variables: dict[str, str] = field(default_factory=dict)


async def schedule_message(
    scope: TenantScope, request: ScheduleRequest, *, created_by: UUID | None = None
) -> ScheduledMessage:
    """Validate and store a PENDING schedule.

    Raises:
        NotFound: the customer or template is not this tenant's.
        Invalid: neither or both of text and template, bad variables, a time in the past.
        Conflict: the customer has no conversation and no number is connected to start one.
        MarketingOptedOut: a MARKETING template for a customer who asked for none.
    """
    await scope.get(Customer, request.customer_id)
    text = request.text.strip()
    if bool(text) == (request.template_id is not None):
        raise Invalid("schedule either a text or a template, not both or neither.", field="text")
    if request.template_id is not None:
        template = await scope.get(MessageTemplate, request.template_id)
        render_template(template.body, request.variables)
        await refuse_marketing(scope, request.customer_id, template.category)
    zone = await business_zone(scope.tenant_id)
    send_at = _as_utc(zone, request.send_at)
    if send_at < clock.now() - PAST_TOLERANCE:
        shown = send_at.astimezone(zone)
        raise Invalid(f"{shown:%Y-%m-%d %H:%M} ({zone.key}) is in the past.", field="send_at")
    await _require_destination(scope, request.customer_id)
    row = scope.new(
        ScheduledMessage,
        customer=request.customer_id,
        text=text,
        template=request.template_id,
        variables=dict(request.variables),
        send_at=send_at,
        created_by=created_by,
    )
    await row.save()
    return row


def _as_utc(zone: ZoneInfo, moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class Recipient:
    """A customer a message can be scheduled for."""

    id: UUID
    name: str
    phone: str


async def recipients(scope: TenantScope, *, limit: int = 500) -> list[Recipient]:
    """The customers to choose from, most recently seen first (erased ones left out)."""
    rows = (
        await scope.select(Customer, Customer.id, Customer.name, Customer.phone)
        .where(Customer.erased_at.is_null())
        .order_by(Customer.last_seen_at, ascending=False)
        .order_by(Customer.created_at, ascending=False)
        .limit(limit)
    )
    return [Recipient(r["id"], r["name"], r["phone"]) for r in rows]


async def cancel_scheduled(scope: TenantScope, schedule_id: UUID) -> None:
    """Cancel a schedule that has not started sending.

    Raises:
        NotFound: no such schedule for this tenant.
        Conflict: it is already on its way, sent, failed or cancelled.
    """
    await scope.get(ScheduledMessage, schedule_id)
    cancelled = (
        await scope.update(
            ScheduledMessage,
            {
                ScheduledMessage.status: ScheduleStatus.CANCELLED,
                ScheduledMessage.finished_at: clock.now(),
            },
        )
        .where(
            (ScheduledMessage.id == schedule_id)
            & (ScheduledMessage.status == ScheduleStatus.PENDING)
            & ScheduledMessage.message.is_null()
        )
        .returning(ScheduledMessage.id)
    )
    if not cancelled:
        raise Conflict(
            "this scheduled message is already sending or finished; it cannot be cancelled."
        )


@dataclass(frozen=True)
class ScheduleView:
    """A scheduled message as the tenant sees it; times in UTC."""

    id: UUID
    customer_id: UUID
    text: str
    template_id: UUID | None
    variables: dict[str, str]
    send_at: datetime
    status: str
    attempts: int
    last_error: str
    message_id: UUID | None
    finished_at: datetime | None


async def list_scheduled(
    scope: TenantScope, *, status: ScheduleStatus | None = None, limit: int = 200
) -> list[ScheduleView]:
    """The tenant's schedules, soonest first (optionally of one status)."""
    query = scope.objects(ScheduledMessage).order_by(ScheduledMessage.send_at).limit(limit)
    if status is not None:
        query = query.where(ScheduledMessage.status == status)
    return [view(row) for row in await query]


def view(row: ScheduledMessage) -> ScheduleView:
    """The public shape of a schedule row."""
    return ScheduleView(
        id=row.id,
        customer_id=row.customer,
        text=row.text,
        template_id=row.template,
        variables=dict(json_value(row.variables)),
        send_at=row.send_at,
        status=row.status,
        attempts=row.attempts,
        last_error=row.last_error,
        message_id=row.message,
        finished_at=row.finished_at,
    )


@dataclass(frozen=True)
class DueSchedule:
    """A schedule whose time has come, for the dispatcher."""

    tenant_id: UUID
    schedule_id: UUID


async def due_schedules(now: datetime, *, limit: int = 500) -> list[DueSchedule]:
    """PENDING schedules due at ``now`` and not yet turned into a message, across tenants."""
    rows = (
        await ScheduledMessage.select(ScheduledMessage.id, ScheduledMessage.tenant)
        .where(
            (ScheduledMessage.status == ScheduleStatus.PENDING)
            & ScheduledMessage.message.is_null()
            & (ScheduledMessage.send_at <= now)
        )
        .order_by(ScheduledMessage.send_at)
        .limit(limit)
        .run()
    )
    return [DueSchedule(row["tenant"], row["id"]) for row in rows]


class _AlreadyTaken(Exception):
    """Another dispatcher linked the schedule first: roll our message back."""


async def dispatch(scope: TenantScope, schedule_id: UUID) -> UUID | None:
    """Turn a due schedule into a queued message; its id, or None when nothing was queued."""
    schedule = await scope.get(ScheduledMessage, schedule_id)
    if schedule.status != ScheduleStatus.PENDING or schedule.message is not None:
        return None
    try:
        conversation_id = await _conversation(scope, schedule.customer)
        draft = _draft(schedule)
        async with atomic():
            message = await store_outbound(scope, conversation_id, draft, Sender(Author.SYSTEM))
            linked = (
                await scope.update(
                    ScheduledMessage,
                    {
                        ScheduledMessage.message: message.id,
                        ScheduledMessage.attempts: ScheduledMessage.attempts + 1,
                    },
                )
                .where(
                    (ScheduledMessage.id == schedule_id)
                    & (ScheduledMessage.status == ScheduleStatus.PENDING)
                    & ScheduledMessage.message.is_null()
                )
                .returning(ScheduledMessage.id)
            )
            if not linked:
                raise _AlreadyTaken
    except _AlreadyTaken:
        return None
    except MarketingOptedOut as error:  # their wish does not change within the retry minutes
        await _attempt_failed(scope, schedule, error.message, final=True)
        return None
    except B2AError as error:
        await _attempt_failed(scope, schedule, error.message)
        return None
    await enqueue_send(scope.tenant_id, message.id)
    return message.id


async def _conversation(scope: TenantScope, customer_id: UUID) -> UUID:
    """The conversation a scheduled message joins: the customer's own, else one on the live number.

    A customer who has written keeps their conversation and its channel (the
    sandbox stays the sandbox, a real number stays that number), so a schedule
    never opens a second conversation. Only a customer with none gets one, on
    the number connected now.

    Raises:
        Conflict: the customer has no conversation and no number is connected.
    """
    rows = await scope.select(
        Conversation, Conversation.id, Conversation.last_message_at, Conversation.created_at
    ).where(Conversation.customer == customer_id)
    if rows:
        latest = max(rows, key=lambda r: (r["last_message_at"] or r["created_at"], r["created_at"]))
        return UUID(str(latest["id"]))
    return (await conversation_for(scope, await _live_number(scope), customer_id)).id


async def _live_number(scope: TenantScope) -> UUID:
    row = (
        await scope.select(Channel, Channel.id)
        .where((Channel.transport != Transport.SANDBOX) & (Channel.state == ChannelState.CONNECTED))
        .first()
    )
    if row is None:
        raise Conflict(NO_NUMBER, code="NO_CONNECTED_NUMBER")
    return UUID(str(row["id"]))


async def _require_destination(scope: TenantScope, customer_id: UUID) -> None:
    """Refuse a schedule that could never leave: no conversation and no connected number."""
    if not await scope.count(Conversation).where(Conversation.customer == customer_id):
        await _live_number(scope)


def _draft(schedule: ScheduledMessage) -> Draft:
    if schedule.template is not None:
        return Draft(template_id=schedule.template, variables=dict(json_value(schedule.variables)))
    return Draft(text=schedule.text)


async def _attempt_failed(
    scope: TenantScope, schedule: ScheduledMessage, reason: str, *, final: bool = False
) -> None:
    attempts = schedule.attempts + 1
    values: dict[Any, Any] = {
        ScheduledMessage.attempts: attempts,
        ScheduledMessage.last_error: reason[:500],
    }
    if final or attempts >= QUEUE_ATTEMPTS:
        values[ScheduledMessage.status] = ScheduleStatus.FAILED
        values[ScheduledMessage.finished_at] = clock.now()
    await scope.update(ScheduledMessage, values).where(
        (ScheduledMessage.id == schedule.id) & (ScheduledMessage.status == ScheduleStatus.PENDING)
    )
