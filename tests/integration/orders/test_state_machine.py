"""Random sequences of staff actions against the real service, checked by a model of rules.py.

Each example starts from a fresh DRAFT (the customer's address unknown) and
tries random actions, including catalogue price changes. The oracle is the
transition table alone: an action succeeds exactly when it allows the move;
afterwards the stored history is exactly the path the model took, and the
total is the one the order was requested at, whatever the catalogue did.
"""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b2a.catalog.tables import Service
from b2a.errors import Conflict
from b2a.orders import service as orders
from b2a.orders.rules import TRANSITIONS, OrderStatus
from b2a.orders.tables import Order, OrderStatusChange
from tests.integration.orders.conftest import ADDRESS, FACIAL, HAIRCUT

MOVES = {
    "approve": OrderStatus.APPROVED,
    "reject": OrderStatus.REJECTED,
    "complete": OrderStatus.COMPLETED,
    "cancel": OrderStatus.CANCELLED,
    "details": OrderStatus.PENDING_APPROVAL,
}
actions = st.lists(st.sampled_from([*MOVES, "reprice"]), min_size=1, max_size=8)


async def _act(actor, order_id, action):
    if action == "approve":
        return await orders.approve_order(actor, order_id)
    if action == "reject":
        return await orders.reject_order(actor, order_id, note="no slot")
    if action == "complete":
        return await orders.complete_order(actor, order_id)
    if action == "cancel":
        return await orders.cancel_order(actor, order_id)
    return await orders.add_details(actor, order_id, ADDRESS)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=actions)
async def test_only_allowed_transitions_succeed_and_the_history_is_the_path(salon, cast, steps):
    actor = cast.acme_agent.actor
    await salon.scope.update(Service, {Service.price_minor: HAIRCUT}).where(
        Service.id == salon.haircut
    )
    stored = await salon.customer_says("hello")
    order = await salon.order_for(actor, stored.conversation_id, (salon.haircut, 2))
    requested_total = 2 * HAIRCUT
    model, path = OrderStatus.DRAFT, [(None, OrderStatus.DRAFT)]

    for step in steps:
        if step == "reprice":
            await salon.scope.update(Service, {Service.price_minor: FACIAL}).where(
                Service.id == salon.haircut
            )
            continue
        target = MOVES[step]
        allowed = target in TRANSITIONS[model]
        try:
            out = await _act(actor, order.id, step)
        except Conflict as refused:
            assert not allowed, (model, step, refused.message)
            assert refused.code in ("INVALID_TRANSITION", "ORDER_LOCKED")
        else:
            assert allowed, (model, step)
            assert out.status == target
            path.append((model, target))
            model = target
        row = await salon.scope.get(Order, order.id)
        assert row.status == model
        assert row.total_minor == requested_total

    history = (
        await salon.scope.select(OrderStatusChange)
        .where(OrderStatusChange.order == order.id)
        .order_by(OrderStatusChange.created_at)
    )
    assert [(h["from_status"], h["to_status"]) for h in history] == path
    shown = await orders.get_order(actor, order.id)
    assert [(h.from_status, h.to_status) for h in shown.history] == path
    assert [(i.quantity, i.unit_price_minor) for i in shown.items] == [(2, HAIRCUT)]
