"""Order requests made and decided by staff, on PostgreSQL and SQLite."""

from datetime import UTC, datetime, timedelta

import pytest

from b2a.audit.tables import AuditEntry
from b2a.catalog.tables import Service
from b2a.db.columns import json_value
from b2a.errors import Conflict, Invalid, NotFound
from b2a.inbox.rules import Author, Transport
from b2a.inbox.tables import Channel, Message, Note
from b2a.orders import service as orders
from b2a.orders.rules import OrderStatus
from b2a.orders.schemas import OrderCreate, OrderItemIn
from b2a.orders.tables import Order
from b2a.tenants.scope import TenantScope
from tests.http.api.conftest import seed_conversation
from tests.integration.orders.conftest import ADDRESS, FACIAL, HAIRCUT


async def _system_messages(scope):
    return await scope.select(Message).where(Message.author == Author.SYSTEM)


async def test_a_request_with_every_detail_waits_for_approval_at_catalogue_prices(salon, cast):
    order = await salon.pending(cast.acme_agent.actor)

    assert order.status == "PENDING_APPROVAL" and order.number == 1
    assert order.total_minor == 2 * HAIRCUT + FACIAL and order.total == "PKR 5,500"
    assert {(i.name, i.quantity, i.unit_price_minor, i.line_total_minor) for i in order.items} == {
        ("Haircut", 2, HAIRCUT, 2 * HAIRCUT),
        ("Facial", 1, FACIAL, FACIAL),
    }
    assert order.details == {"name": "Ayesha", "phone": "923001234567", **ADDRESS}
    assert order.missing_fields == [] and not order.created_by_ai
    assert [(h.from_status, h.to_status) for h in order.history] == [
        (None, "DRAFT"),
        ("DRAFT", "PENDING_APPROVAL"),
    ]
    assert {h.actor_label for h in order.history} == {"agent@acme.test"}


async def test_prices_are_copied_at_request_time(salon, cast):
    order = await salon.pending(cast.acme_agent.actor)
    await salon.scope.update(Service, {Service.price_minor: 999900}).where(
        Service.id == salon.haircut
    )
    again = await orders.get_order(cast.acme_agent.actor, order.id)
    assert again.total_minor == order.total_minor and again.items == order.items


async def test_the_catalogue_is_read_once_however_many_items(salon, cast, db, monkeypatch):
    reads = []
    engine = type(db.engine)
    run = engine.run_querystring

    async def counted(self, querystring, *args, **kwargs):
        if 'FROM "service"' in str(querystring):
            reads.append(str(querystring))
        return await run(self, querystring, *args, **kwargs)

    # Piccolo's engine, not ours: every query of the request passes through it.
    monkeypatch.setattr(engine, "run_querystring", counted)
    stored = await salon.customer_says("hello")
    one = await salon.order_for(cast.acme_agent.actor, stored.conversation_id, (salon.haircut, 1))
    first = len(reads)
    two = await salon.order_for(
        cast.acme_agent.actor, stored.conversation_id, (salon.haircut, 3), (salon.facial, 2)
    )
    assert first == 1 and len(reads) == 2
    assert (one.total_minor, two.total_minor) == (HAIRCUT, 3 * HAIRCUT + 2 * FACIAL)


async def test_a_draft_waits_for_its_missing_details_then_locks(salon, cast):
    agent = cast.acme_agent.actor
    stored = await salon.customer_says("hello")
    draft = await salon.order_for(agent, stored.conversation_id, (salon.facial, 1))
    assert (draft.status, draft.missing_fields) == ("DRAFT", ["address"])

    done = await orders.add_details(agent, draft.id, {"Address": " 4 Canal View "})

    assert done.status == "PENDING_APPROVAL" and done.details["address"] == "4 Canal View"
    with pytest.raises(Conflict) as locked:
        await orders.add_details(agent, draft.id, {"address": "elsewhere"})
    assert locked.value.code == "ORDER_LOCKED"


async def test_approval_tells_the_customer_and_is_audited_with_the_actor(salon, cast):
    agent = cast.acme_agent.actor
    order = await salon.pending(agent)

    approved = await orders.approve_order(agent, order.id, note="slot at 5 pm")

    assert approved.status == "APPROVED" and approved.decision_note == "slot at 5 pm"
    assert approved.history[-1].actor_id == agent.user_id
    [told] = await _system_messages(salon.scope)
    assert "approved your order request #1 (PKR 5,500)" in told["text"]
    assert "5 pm" not in told["text"], "staff's note stays internal"
    assert await salon.queue.job(f"send:{told['id']}:first") is not None
    audit = await AuditEntry.select().where(AuditEntry.event == "order.approved")
    assert len(audit) == 1 and audit[0]["actor"] == agent.user_id
    assert json_value(audit[0]["detail"])["number"] == 1


async def test_a_rejection_needs_a_note_and_tells_the_customer(salon, cast):
    agent = cast.acme_agent.actor
    order = await salon.pending(agent)
    with pytest.raises(Invalid) as bare:
        await orders.reject_order(agent, order.id, note="  ")
    assert bare.value.field == "note"

    rejected = await orders.reject_order(agent, order.id, note="fully booked")

    assert rejected.status == "REJECTED" and rejected.decision_note == "fully booked"
    [told] = await _system_messages(salon.scope)
    assert "cannot take your order request #1" in told["text"]


async def test_invalid_transitions_are_refused_and_change_nothing(salon, cast):
    agent = cast.acme_agent.actor
    order = await salon.pending(agent)
    for move in (orders.complete_order, orders.cancel_order):
        with pytest.raises(Conflict) as refused:
            await move(agent, order.id)
        assert refused.value.code == "INVALID_TRANSITION"
        assert "PENDING_APPROVAL" in refused.value.message
    await orders.approve_order(agent, order.id)
    with pytest.raises(Conflict):
        await orders.approve_order(agent, order.id)
    done = await orders.complete_order(agent, order.id)
    assert done.status == "COMPLETED" and len(done.history) == 4
    with pytest.raises(Conflict) as final:
        await orders.cancel_order(agent, order.id)
    assert "final" in final.value.message
    assert len(await _system_messages(salon.scope)) == 1, "completion sends nothing"


async def test_outside_the_window_the_decision_stands_and_says_it_was_not_told(cast):
    agent = cast.acme_agent.actor
    scope = TenantScope(cast.acme_owner.tenant_id)
    service = scope.new(Service, name="Haircut", price_minor=HAIRCUT, currency="PKR")
    await service.save()
    channel = scope.new(Channel, transport=Transport.CLOUD)
    await channel.save()
    conversation = await seed_conversation(scope, channel, window_open=False)
    order = await orders.create_order(
        agent,
        OrderCreate(conversation.id, [OrderItemIn(service.id, 1)], ADDRESS),
    )

    approved = await orders.approve_order(agent, order.id)

    assert approved.status == "APPROVED"
    assert "not told" in approved.notice and "24-hour" in approved.notice
    assert await _system_messages(scope) == []
    [note] = await scope.select(Note)
    assert note["conversation"] == conversation.id and "24-hour" in note["text"]


async def test_requests_refuse_bad_items_naming_the_field(salon, cast):
    agent = cast.acme_agent.actor
    stored = await salon.customer_says("hello")
    conversation = stored.conversation_id
    for items in ([], [(salon.haircut, 0)], [(salon.haircut, 10000)], [(salon.haircut, 1)] * 2):
        with pytest.raises(Invalid) as bad:
            await salon.order_for(agent, conversation, *items)
        assert bad.value.field == "items"
    await salon.scope.update(Service, {Service.is_active: False}).where(Service.id == salon.facial)
    with pytest.raises(Invalid, match="Facial is not in the active catalogue"):
        await salon.order_for(agent, conversation, (salon.facial, 1))
    dollars = salon.scope.new(Service, name="Wig", price_minor=5000, currency="USD")
    await dollars.save()
    with pytest.raises(Invalid, match="different currencies"):
        await salon.order_for(agent, conversation, (salon.haircut, 1), (dollars.id, 1))
    with pytest.raises(Invalid) as detail:
        await salon.order_for(agent, conversation, (salon.haircut, 1), details={"a b": "x"})
    assert detail.value.field == "details.a b"
    assert await salon.scope.count(Order) == 0


async def test_another_tenants_orders_services_and_conversations_are_not_found(salon, cast):
    acme = await salon.pending(cast.acme_agent.actor)
    globex = cast.globex_owner.actor
    for call in (
        orders.get_order(globex, acme.id),
        orders.approve_order(globex, acme.id),
        orders.add_details(globex, acme.id, {"address": "x"}),
        salon.order_for(globex, acme.conversation_id, (salon.haircut, 1)),
    ):
        with pytest.raises(NotFound):
            await call
    globex_scope = TenantScope(cast.globex_owner.tenant_id)
    channel = globex_scope.new(Channel, transport=Transport.SANDBOX)
    await channel.save()
    theirs = await seed_conversation(globex_scope, channel)
    with pytest.raises(NotFound):
        await salon.order_for(globex, theirs.id, (salon.haircut, 1))
    assert (await orders.list_orders(globex)).items == []


async def test_large_totals_fit(salon, cast):
    big = salon.scope.new(Service, name="Wedding", price_minor=2_000_000_000, currency="PKR")
    await big.save()
    stored = await salon.customer_says("hello")
    order = await salon.order_for(cast.acme_agent.actor, stored.conversation_id, (big.id, 99))
    assert order.total_minor == 198_000_000_000
    assert (await orders.get_order(cast.acme_agent.actor, order.id)).total_minor == 198_000_000_000


async def test_orders_list_newest_first_in_keyset_pages_with_a_status_filter(salon, cast):
    agent = cast.acme_agent.actor
    made = [await salon.pending(agent, phone=f"92300000000{i}") for i in range(5)]
    now = datetime.now(UTC)
    for i, order in enumerate(made):
        # Two share a timestamp: the page boundary must neither repeat nor skip them.
        at = now - timedelta(minutes=min(i, 3))
        await salon.scope.update(Order, {Order.created_at: at}).where(Order.id == order.id)
    await orders.approve_order(agent, made[0].id)

    seen, cursor = [], None
    while True:
        page = await orders.list_orders(agent, limit=2, cursor=cursor)
        seen += [o.number for o in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert sorted(seen) == [1, 2, 3, 4, 5] and len(seen) == 5
    assert seen[:3] == [1, 2, 3]
    approved = await orders.list_orders(agent, status=OrderStatus.APPROVED)
    assert [o.number for o in approved.items] == [1]
    assert approved.items[0].customer.phone == "923000000000"
