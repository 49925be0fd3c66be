"""A tenant's numbers: today's dashboard and the 7- or 30-day analytics, from real rows.

Days are the tenant's local days (``days.Window``). "Handled by the AI" counts
the assistant's sent answers, "by humans" the agents' replies; an escalation
is an assistant turn that ended with humans taking over (hand-off, blocked
draft, or governance refusing the turn). Conversion is the share of
conversations started in the window that led to an order request.

Sandbox chats (the team playing test customers, ``inbox.simulator``) are left
out of every figure unless ``include_sandbox`` asks for them: their messages,
conversations, orders and assistant turns are tests, not customers. The
dashboard's figures of today leave them out too; its work waiting (open and
unread conversations, orders to approve) counts what the inbox and the orders
list show, where a test chat and its order wait like any other (badged).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

import msgspec
from piccolo.columns.combination import Combinable
from piccolo.query import Count, Select
from piccolo.query.functions.aggregate import Count as CountOf
from piccolo.query.functions.aggregate import Sum

from b2a.analytics.days import Window, per_day
from b2a.assistant.governance import replies_used
from b2a.assistant.tables import AIUsage
from b2a.errors import Invalid, NotFound
from b2a.inbox.rules import Author, ConversationStatus, Direction, Owner, Transport
from b2a.inbox.rules import ChannelState as ChannelStatus
from b2a.inbox.tables import Channel, Conversation, Message
from b2a.lib import clock
from b2a.orders.rules import OrderStatus
from b2a.orders.tables import Order
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role
from b2a.tenants.tables import Tenant

Q = TypeVar("Q", Select, Count)
PERIODS = (7, 30)
ESCALATED = ("handoff", "blocked", "refused")
ANSWERED = ("sent", "fallback")


class DaySeries(msgspec.Struct):
    """One chart: a value per local day, oldest first."""

    name: str
    values: list[int]


class Analytics(msgspec.Struct):
    """The analytics page: charts over the period and their totals."""

    days: list[date]
    messages: list[DaySeries]
    handled: list[DaySeries]
    escalations: list[DaySeries]
    ai_usage: list[DaySeries]
    conversations_started: int
    conversations_with_order: int
    conversion: float
    orders_by_status: dict[str, int]
    ai_cost_micro_usd: int
    ai_tokens: int
    include_sandbox: bool = False
    """Whether sandbox test chats are counted (left out by default)."""


class ChannelState(msgspec.Struct):
    """A connected (or once connected) WhatsApp number."""

    id: str
    transport: str
    state: str
    display_phone: str
    last_error: str


class Dashboard(msgspec.Struct):
    """Today at a glance."""

    channels: list[ChannelState]
    messages_in_today: int
    messages_out_today: int
    ai_replies_today: int
    ai_replies_this_month: int
    ai_daily_limit: int
    ai_monthly_limit: int
    open_conversations: int
    unread_conversations: int
    human_owned_open: int
    pending_orders: int

    @property
    def number_connected(self) -> bool:
        """Whether a WhatsApp number is connected (Cloud API or WhatsApp-Web; not the sandbox)."""
        return any(
            c.transport != Transport.SANDBOX and c.state == ChannelStatus.CONNECTED
            for c in self.channels
        )


async def _tenant(actor: Actor) -> Tenant:
    tenant = await Tenant.objects().where(Tenant.id == actor.scope.tenant_id).first()
    if tenant is None:
        raise NotFound("This business does not exist.")
    return tenant


def customer_messages() -> Combinable:
    """Messages of real customers' chats: not of the sandbox's test customers."""
    return Message.conversation._.channel._.transport != Transport.SANDBOX


def customer_conversations() -> Combinable:
    """Real customers' conversations: not on the sandbox channel."""
    return Conversation.channel.transport != Transport.SANDBOX


def customer_turns() -> Combinable:
    """Assistant turns taken for real customers (``AIUsage.sandbox``)."""
    return AIUsage.sandbox.eq(False)


def customer_orders() -> Combinable:
    """Orders of real customers, made in no sandbox chat."""
    return Order.customer._.sandbox.eq(False) & (
        Order.conversation.is_null()
        | (Order.conversation._.channel._.transport != Transport.SANDBOX)
    )


def _real(query: Q, condition: Combinable, include_sandbox: bool) -> Q:
    """The query kept to real customers, unless sandbox chats are included."""
    return query if include_sandbox else query.where(condition)


def _series(name: str, counts: dict[date, int], window: Window) -> DaySeries:
    return DaySeries(name, [counts.get(day, 0) for day in window.days])


async def analytics(
    actor: Actor, *, days: int = 7, now: datetime | None = None, include_sandbox: bool = False
) -> Analytics:
    """Messages, AI vs human, escalations, conversion and AI usage over ``days`` local days.

    Sandbox test chats count only with ``include_sandbox``.

    Raises:
        Forbidden: the actor is not a tenant admin.
        Invalid: ``days`` is not 7 or 30.
    """
    actor.require(Role.TENANT_ADMIN)
    if days not in PERIODS:
        raise Invalid("analytics cover 7 or 30 days.", field="days")
    scope = actor.scope
    tenant = await _tenant(actor)
    window = Window.last(days, tenant.time_zone, now or clock.now())

    sandbox = include_sandbox
    messages = await per_day(
        _real(scope.select(Message), customer_messages(), sandbox),
        Message.created_at,
        window,
        by=(Message.direction, Message.author),
    )
    inbound = _sum(messages, lambda key: key[0] == Direction.INBOUND)
    outbound = _sum(messages, lambda key: key[0] == Direction.OUTBOUND)
    by_ai = _sum(messages, lambda key: key == (Direction.OUTBOUND, Author.AI))
    by_agents = _sum(messages, lambda key: key == (Direction.OUTBOUND, Author.AGENT))

    usage = await per_day(
        _real(scope.select(AIUsage), customer_turns(), sandbox),
        AIUsage.created_at,
        window,
        by=(AIUsage.outcome,),
    )
    answered = _sum(usage, lambda key: key[0] in ANSWERED)
    escalated = _sum(usage, lambda key: key[0] in ESCALATED)
    turns = _sum(usage, lambda key: True)

    started, with_order = await _conversion(actor, window, sandbox)
    spending = scope.select(
        AIUsage,
        Sum(AIUsage.cost_micro_usd, alias="cost"),
        Sum(AIUsage.prompt_tokens + AIUsage.completion_tokens, alias="tokens"),
    ).where((AIUsage.created_at >= window.start) & (AIUsage.created_at < window.end))
    [spent] = await _real(spending, customer_turns(), sandbox)
    return Analytics(
        days=list(window.days),
        messages=[
            _series("received", inbound, window),
            _series("sent", outbound, window),
        ],
        handled=[
            _series("assistant", by_ai, window),
            _series("team", by_agents, window),
        ],
        escalations=[_series("handed to the team", escalated, window)],
        ai_usage=[
            _series("assistant turns", turns, window),
            _series("answered by the assistant", answered, window),
        ],
        conversations_started=started,
        conversations_with_order=with_order,
        conversion=round(with_order / started, 3) if started else 0.0,
        orders_by_status=await _orders_by_status(actor, window, sandbox),
        ai_cost_micro_usd=int(spent["cost"] or 0),
        ai_tokens=int(spent["tokens"] or 0),
        include_sandbox=sandbox,
    )


def _sum(
    counts: dict[tuple[Any, ...], dict[date, int]], keep: Callable[[tuple[Any, ...]], bool]
) -> dict[date, int]:
    total: dict[date, int] = {}
    for key, series in counts.items():
        if keep(key):
            for day, n in series.items():
                total[day] = total.get(day, 0) + n
    return total


async def _conversion(actor: Actor, window: Window, sandbox: bool) -> tuple[int, int]:
    """Conversations started in the window, and how many of them led to an order request."""
    scope = actor.scope
    started = await _real(
        scope.select(Conversation, Conversation.id).where(
            (Conversation.created_at >= window.start) & (Conversation.created_at < window.end)
        ),
        customer_conversations(),
        sandbox,
    )
    ids = [row["id"] for row in started]
    if not ids:
        return 0, 0
    ordered = await scope.select(Order, Order.conversation).where(
        Order.conversation.is_in(ids) & (Order.status != OrderStatus.DRAFT)
    )
    return len(ids), len({row["conversation"] for row in ordered})


async def _orders_by_status(actor: Actor, window: Window, sandbox: bool) -> dict[str, int]:
    query = (
        actor.scope.select(Order, Order.status, CountOf(alias="n"))
        .where((Order.created_at >= window.start) & (Order.created_at < window.end))
        .group_by(Order.status)
    )
    rows = await _real(query, customer_orders(), sandbox)
    counts = {str(status): 0 for status in OrderStatus}
    counts.update({str(row["status"]): int(row["n"]) for row in rows})
    return counts


async def dashboard(actor: Actor, *, now: datetime | None = None) -> Dashboard:
    """Channel states, today's numbers, open work and pending orders (every member).

    Today's messages and assistant replies leave sandbox test chats out; the
    work waiting counts them, as the inbox and the orders list show them.
    """
    actor.require(Role.TENANT_ADMIN, Role.STAFF)
    scope = actor.scope
    tenant = await _tenant(actor)
    now = now or clock.now()
    today = Window.last(1, tenant.time_zone, now)
    used = await replies_used(tenant.id, tenant.time_zone, now=now)
    channels = await scope.select(Channel).order_by(Channel.created_at)
    is_open = Conversation.status.is_in([ConversationStatus.OPEN, ConversationStatus.ASSIGNED])
    today_messages = (
        customer_messages() & (Message.created_at >= today.start) & (Message.created_at < today.end)
    )
    return Dashboard(
        channels=[
            ChannelState(
                str(c["id"]), c["transport"], c["state"], c["display_phone"], c["last_error"]
            )
            for c in channels
        ],
        messages_in_today=await scope.count(Message).where(
            today_messages & (Message.direction == Direction.INBOUND)
        ),
        messages_out_today=await scope.count(Message).where(
            today_messages & (Message.direction == Direction.OUTBOUND)
        ),
        ai_replies_today=used.today,
        ai_replies_this_month=used.this_month,
        ai_daily_limit=tenant.ai_daily_limit,
        ai_monthly_limit=tenant.ai_monthly_limit,
        open_conversations=await scope.count(Conversation).where(is_open),
        unread_conversations=await scope.count(Conversation).where(
            is_open & (Conversation.unread_count > 0)
        ),
        human_owned_open=await scope.count(Conversation).where(
            is_open & (Conversation.owner == Owner.HUMAN)
        ),
        pending_orders=await scope.count(Order).where(Order.status == OrderStatus.PENDING_APPROVAL),
    )
