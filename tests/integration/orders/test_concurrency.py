"""Decisions and numbers under concurrency: one decision wins, every order gets its own number."""

import asyncio

from b2a.errors import Conflict
from b2a.inbox.rules import Author
from b2a.inbox.tables import Message
from b2a.orders import service as orders
from b2a.orders.tables import Order, OrderStatusChange


async def _race(*calls):
    return await asyncio.gather(*calls, return_exceptions=True)


def _split(outcomes):
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    won = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(won) + len(refused) == len(outcomes), outcomes
    return won, refused


async def test_two_approvals_at_once_let_exactly_one_win(salon, cast):
    order = await salon.pending(cast.acme_agent.actor)

    won, refused = _split(
        await _race(
            orders.approve_order(cast.acme_agent.actor, order.id),
            orders.approve_order(cast.acme_owner.actor, order.id),
        )
    )

    assert len(won) == 1 and len(refused) == 1
    assert refused[0].code == "INVALID_TRANSITION"
    approvals = await salon.scope.select(OrderStatusChange).where(
        OrderStatusChange.to_status == "APPROVED"
    )
    assert len(approvals) == 1 and approvals[0]["actor"] == won[0].history[-1].actor_id
    assert await salon.scope.count(Message).where(Message.author == Author.SYSTEM) == 1


async def test_an_approval_and_a_rejection_at_once_leave_one_decision(salon, cast):
    for round_ in range(3):
        order = await salon.pending(cast.acme_agent.actor, phone=f"9230000000{round_:02d}")
        won, refused = _split(
            await _race(
                orders.reject_order(cast.acme_owner.actor, order.id, note="booked"),
                orders.approve_order(cast.acme_agent.actor, order.id),
            )
        )
        assert len(won) == 1 and len(refused) == 1
        final = await salon.scope.get(Order, order.id)
        assert final.status == won[0].status
        history = await salon.scope.select(OrderStatusChange).where(
            OrderStatusChange.order == order.id
        )
        assert [h["to_status"] for h in history].count(final.status) == 1
        assert len(history) == 3


async def test_new_orders_at_once_get_distinct_numbers(salon, cast):
    stored = [await salon.customer_says("hi", phone=f"92311111111{i}") for i in range(5)]

    made = await asyncio.gather(
        *(
            salon.order_for(cast.acme_agent.actor, s.conversation_id, (salon.haircut, 1))
            for s in stored
        )
    )

    assert sorted(o.number for o in made) == [1, 2, 3, 4, 5]
