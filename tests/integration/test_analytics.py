"""Analytics count real rows per local day: midnight is the tenant's, on both engines."""

from datetime import UTC, date, datetime, timedelta

import pytest

from b2a.analytics import tenant as numbers
from b2a.assistant.tables import AIUsage
from b2a.errors import Forbidden, Invalid
from b2a.inbox.rules import Author, Direction, Owner, Transport
from b2a.inbox.tables import Channel, Conversation, Customer, Message
from b2a.orders.rules import OrderStatus
from b2a.orders.tables import Order
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant

# 10 March 2026, 21:00 in Karachi (UTC+5).
NOW = datetime(2026, 3, 10, 16, 0, tzinfo=UTC)


async def _zone(tenant_id, zone):
    await Tenant.update({Tenant.time_zone: zone}).where(Tenant.id == tenant_id)


async def _conversation(scope, *, at=NOW, phone="923001234567"):
    channel = await scope.objects(Channel).first()
    if channel is None:
        channel = scope.new(Channel, transport=Transport.CLOUD)
        await channel.save()
    customer = scope.new(Customer, phone=phone)
    await customer.save()
    conversation = scope.new(Conversation, channel=channel.id, customer=customer.id)
    conversation.created_at = at
    await conversation.save()
    return conversation


async def _message(scope, conversation, at, *, direction=Direction.INBOUND, author=None):
    row = scope.new(
        Message,
        conversation=conversation.id,
        direction=direction,
        author=author or (Author.CUSTOMER if direction == Direction.INBOUND else Author.AGENT),
        text="x",
    )
    row.created_at = at
    await row.save()


async def _usage(scope, outcome, at, *, cost=0, tokens=0):
    row = scope.new(AIUsage, provider="catalog", model="", outcome=outcome)
    row.created_at = at
    row.cost_micro_usd = cost
    row.prompt_tokens = tokens
    await row.save()


async def test_messages_fall_on_the_tenants_local_day(cast, db):
    scope = TenantScope(cast.acme_owner.tenant_id)
    await _zone(scope.tenant_id, "Asia/Karachi")
    conversation = await _conversation(scope)
    # Karachi's midnight between 9 and 10 March is 19:00 UTC on 9 March.
    await _message(scope, conversation, datetime(2026, 3, 9, 18, 59, tzinfo=UTC))
    await _message(scope, conversation, datetime(2026, 3, 9, 19, 1, tzinfo=UTC))
    await _message(scope, conversation, datetime(2026, 3, 10, 15, 0, tzinfo=UTC))
    await _message(
        scope, conversation, datetime(2026, 3, 10, 15, 5, tzinfo=UTC), direction=Direction.OUTBOUND
    )
    await _message(scope, conversation, datetime(2026, 3, 1, 12, 0, tzinfo=UTC))  # too old
    await _message(TenantScope(cast.globex_owner.tenant_id), await _conversation(
        TenantScope(cast.globex_owner.tenant_id)), NOW)  # fmt: skip

    report = await numbers.analytics(cast.acme_owner.actor, days=7, now=NOW)

    assert report.days[-1] == date(2026, 3, 10) and len(report.days) == 7
    received, sent = report.messages
    assert received.values[-2:] == [1, 2]
    assert sent.values[-1] == 1
    assert sum(received.values) == 3


@pytest.mark.parametrize(
    ("zone", "now", "late", "early"),
    [
        # India is UTC+5:30: its midnight falls on a half hour.
        ("Asia/Kolkata", NOW, datetime(2026, 3, 9, 18, 29), datetime(2026, 3, 9, 18, 31)),
        # Berlin moves to summer time on 29 March 2026: local midnight is 22:00 UTC after it.
        (
            "Europe/Berlin",
            datetime(2026, 3, 30, 12, 0, tzinfo=UTC),
            datetime(2026, 3, 29, 21, 59),
            datetime(2026, 3, 29, 22, 1),
        ),
    ],
)
async def test_day_boundaries_hold_for_half_hour_zones_and_daylight_saving(
    cast, db, zone, now, late, early
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    await _zone(scope.tenant_id, zone)
    conversation = await _conversation(scope, at=now)
    await _message(scope, conversation, late.replace(tzinfo=UTC))
    await _message(scope, conversation, early.replace(tzinfo=UTC))

    report = await numbers.analytics(cast.acme_owner.actor, days=7, now=now)

    assert report.messages[0].values[-2:] == [1, 1]


async def test_assistant_and_team_replies_escalations_and_usage(cast, db):
    scope = TenantScope(cast.acme_owner.tenant_id)
    await _zone(scope.tenant_id, "Asia/Karachi")
    conversation = await _conversation(scope)
    at = NOW - timedelta(hours=1)
    for author in (Author.AI, Author.AI, Author.AGENT, Author.SYSTEM):
        await _message(scope, conversation, at, direction=Direction.OUTBOUND, author=author)
    for outcome in ("sent", "sent", "fallback", "handoff", "blocked", "refused"):
        await _usage(scope, outcome, at, cost=120, tokens=50)

    report = await numbers.analytics(cast.acme_owner.actor, days=30, now=NOW)

    assistant, team = report.handled
    assert (assistant.values[-1], team.values[-1]) == (2, 1)
    assert report.escalations[0].values[-1] == 3
    turns, answered = report.ai_usage
    assert (turns.values[-1], answered.values[-1]) == (6, 3)
    assert report.ai_cost_micro_usd == 720 and report.ai_tokens == 300
    assert len(report.days) == 30


async def test_conversion_counts_conversations_that_led_to_an_order_request(cast, db):
    scope = TenantScope(cast.acme_owner.tenant_id)
    conversations = [await _conversation(scope, phone=f"92300000000{n}") for n in range(4)]
    for number, (conversation, status) in enumerate(
        zip(
            conversations,
            (OrderStatus.PENDING_APPROVAL, OrderStatus.APPROVED, OrderStatus.DRAFT),
            strict=False,
        ),
        start=1,
    ):
        order = scope.new(
            Order,
            number=number,
            customer=conversation.customer,
            conversation=conversation.id,
            status=status,
        )
        order.created_at = NOW
        await order.save()

    report = await numbers.analytics(cast.acme_owner.actor, days=7, now=NOW)

    assert (report.conversations_started, report.conversations_with_order) == (4, 2)
    assert report.conversion == 0.5
    assert report.orders_by_status["APPROVED"] == 1 and report.orders_by_status["DRAFT"] == 1


async def test_the_dashboard_shows_today_open_work_and_pending_orders(cast, db):
    scope = TenantScope(cast.acme_owner.tenant_id)
    await _zone(scope.tenant_id, "Asia/Karachi")
    conversation = await _conversation(scope)
    await scope.update(
        Conversation, {Conversation.unread_count: 2, Conversation.owner: Owner.HUMAN}
    ).where(Conversation.id == conversation.id)
    await _message(scope, conversation, NOW - timedelta(hours=2))
    await _message(scope, conversation, NOW - timedelta(days=2))
    await _usage(scope, "sent", NOW - timedelta(hours=1))
    await _usage(scope, "sent", datetime(2026, 3, 1, 0, 0, tzinfo=UTC))
    await _usage(scope, "sent", datetime(2026, 2, 28, 12, 0, tzinfo=UTC))  # last month
    order = scope.new(
        Order, number=1, customer=conversation.customer, status=OrderStatus.PENDING_APPROVAL
    )
    await order.save()

    board = await numbers.dashboard(cast.acme_agent.actor, now=NOW)

    assert board.messages_in_today == 1 and board.messages_out_today == 0
    assert (board.ai_replies_today, board.ai_replies_this_month) == (1, 2)
    assert (board.open_conversations, board.unread_conversations, board.human_owned_open) == (
        1,
        1,
        1,
    )
    assert board.pending_orders == 1
    assert [c.transport for c in board.channels] == ["cloud"]


async def test_analytics_are_for_tenant_admins_over_7_or_30_days(cast, db):
    with pytest.raises(Forbidden):
        await numbers.analytics(cast.acme_agent.actor)
    with pytest.raises(Invalid):
        await numbers.analytics(cast.acme_owner.actor, days=12)


async def _played_in_the_sandbox(scope):
    """A test customer's chat: two messages, an assistant turn, an order waiting."""
    channel = scope.new(Channel, transport=Transport.SANDBOX)
    await channel.save()
    customer = scope.new(Customer, name="Test customer 1", phone="447700900000", sandbox=True)
    await customer.save()
    conversation = scope.new(Conversation, channel=channel.id, customer=customer.id)
    conversation.created_at = NOW
    await conversation.save()
    await _message(scope, conversation, NOW)
    await _message(scope, conversation, NOW, direction=Direction.OUTBOUND, author=Author.AI)
    row = scope.new(
        AIUsage, provider="catalog", model="", outcome="sent", sandbox=True, cost_micro_usd=90
    )
    row.created_at = NOW
    await row.save()
    order = scope.new(
        Order,
        number=9,
        customer=customer.id,
        conversation=conversation.id,
        status=OrderStatus.PENDING_APPROVAL,
    )
    order.created_at = NOW
    await order.save()


async def test_sandbox_test_chats_are_left_out_by_default_and_counted_when_asked(cast, db):
    scope = TenantScope(cast.acme_owner.tenant_id)
    real = await _conversation(scope)
    await _message(scope, real, NOW)
    await _usage(scope, "sent", NOW)
    await _played_in_the_sandbox(scope)

    customers = await numbers.analytics(cast.acme_owner.actor, days=7, now=NOW)
    assert customers.include_sandbox is False
    assert customers.messages[0].values[-1] == 1 and customers.messages[1].values[-1] == 0
    assert customers.ai_usage[0].values[-1] == 1 and customers.ai_cost_micro_usd == 0
    assert (customers.conversations_started, customers.conversations_with_order) == (1, 0)
    assert customers.orders_by_status["PENDING_APPROVAL"] == 0

    everything = await numbers.analytics(
        cast.acme_owner.actor, days=7, now=NOW, include_sandbox=True
    )
    assert everything.include_sandbox is True
    assert everything.messages[0].values[-1] == 2 and everything.messages[1].values[-1] == 1
    assert everything.ai_usage[0].values[-1] == 2 and everything.ai_cost_micro_usd == 90
    assert (everything.conversations_started, everything.conversations_with_order) == (2, 1)
    assert everything.orders_by_status["PENDING_APPROVAL"] == 1

    board = await numbers.dashboard(cast.acme_agent.actor, now=NOW)
    assert (board.messages_in_today, board.messages_out_today) == (1, 0)
    assert board.ai_replies_today == 1
    assert (board.open_conversations, board.pending_orders) == (2, 1), "the work waiting, as listed"
