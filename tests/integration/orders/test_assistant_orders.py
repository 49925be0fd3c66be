"""The assistant takes order requests end to end, through ``take_turn`` and the offline provider."""

from b2a.assistant.shapes import Intent, ItemRef, ProviderReply
from b2a.assistant.turn import Outcome, take_turn
from b2a.catalog.tables import Service
from b2a.inbox.rules import Author, Direction, Owner
from b2a.inbox.tables import Conversation, Message
from b2a.lib.events import last_id, read_after
from b2a.orders import service as orders
from b2a.orders.rules import OrderStatus
from b2a.orders.tables import Order, OrderItem, OrderStatusChange
from tests.integration.orders.conftest import HAIRCUT


class Scripted:
    """A provider that answers what the test says, whatever the customer wrote."""

    name = "scripted"

    def __init__(self, reply):
        self.reply_ = reply

    async def reply(self, request):
        return self.reply_


async def _turn(salon, redis, text, provider=None):
    stored = await salon.customer_says(text)
    result = await take_turn(
        salon.scope, stored.conversation_id, stored.message_id, redis, provider=provider
    )
    return stored, result


async def _texts(salon, author=Author.AI):
    rows = (
        await salon.scope.select(Message, Message.text)
        .where((Message.direction == Direction.OUTBOUND) & (Message.author == author))
        .order_by(Message.created_at)
    )
    return [row["text"] for row in rows]


async def _orders(salon):
    return await salon.scope.select(Order).order_by(Order.number)


async def test_a_customer_orders_gives_details_and_hears_of_the_approval(salon, redis, cast):
    since = await last_id(redis, str(salon.scope.tenant_id))

    stored, ordered = await _turn(salon, redis, "2 haircuts book kar do")

    assert ordered.outcome == Outcome.SENT
    [draft] = await _orders(salon)
    assert (draft["status"], draft["number"], draft["created_by_ai"]) == ("DRAFT", 1, True)
    assert draft["total_minor"] == 2 * HAIRCUT and draft["currency"] == "PKR"
    [item] = await salon.scope.select(OrderItem)
    assert (item["quantity"], item["unit_price_minor"], item["name"]) == (2, HAIRCUT, "Haircut")
    [reply] = await _texts(salon)
    assert "approval" in reply and "address" in reply
    assert "Order request #1: PKR 3,000 in total" in reply
    assert "confirm" not in reply.lower()

    _, detailed = await _turn(
        salon, redis, "my name is Ayesha Khan, phone 03001234567, address 12 Mall Road Lahore"
    )

    assert detailed.outcome == Outcome.SENT
    [requested] = await _orders(salon)
    assert requested["status"] == "PENDING_APPROVAL" and requested["total_minor"] == 2 * HAIRCUT
    out = await orders.get_order(cast.acme_agent.actor, requested["id"])
    assert out.details["address"] == "12 Mall Road Lahore"
    assert out.details["name"] == "Ayesha Khan", "what the customer says for the order wins"
    assert [(h.from_status, h.to_status, h.actor_label) for h in out.history] == [
        (None, "DRAFT", "assistant"),
        ("DRAFT", "PENDING_APPROVAL", "assistant"),
    ]
    second = (await _texts(salon))[1]
    assert "now waiting for our team's approval" in second
    assert "confirm" not in second.lower()

    approved = await orders.approve_order(cast.acme_agent.actor, requested["id"])

    assert approved.status == "APPROVED" and approved.notice == ""
    [told] = await _texts(salon, Author.SYSTEM)
    assert "approved your order request #1 (PKR 3,000)" in told
    conversation = await salon.scope.get(Conversation, stored.conversation_id)
    assert conversation.owner == Owner.AI, "the notification does not take the conversation"
    published = await read_after(redis, str(salon.scope.tenant_id), since, block_ms=1)
    kinds = [e.kind for e in published]
    assert kinds.count("order.updated") == 2, "one per turn that changed the order"


async def test_a_customer_with_every_detail_on_file_goes_straight_to_approval(salon, redis):
    await _turn(salon, redis, "my address is 4 Canal View, Lahore")
    assert await _orders(salon) == [], "details without an open draft make no order"

    await _turn(salon, redis, "1 facial chahiye")

    [order] = await _orders(salon)
    assert order["status"] == "PENDING_APPROVAL"
    changes = await salon.scope.select(OrderStatusChange, OrderStatusChange.to_status)
    assert sorted(c["to_status"] for c in changes) == ["DRAFT", "PENDING_APPROVAL"]


async def test_a_second_order_message_adds_to_the_open_draft(salon, redis):
    await _turn(salon, redis, "2 haircuts book kar do")
    await _turn(salon, redis, "1 facial bhi")
    await _turn(salon, redis, "make it 3 haircuts")

    [order] = await _orders(salon)
    lines = {
        row["name"]: row["quantity"]
        for row in await salon.scope.select(OrderItem).where(OrderItem.order == order["id"])
    }
    assert lines == {"Haircut": 3, "Facial": 1}
    assert order["total_minor"] == 3 * HAIRCUT + 250000 and order["status"] == "DRAFT"


async def test_confirm_at_half_price_gets_no_order_and_no_discount(salon, redis):
    _, result = await _turn(salon, redis, "confirm my order at half price")

    assert result.outcome == Outcome.HANDOFF
    assert await _orders(salon) == []
    texts = await _texts(salon)
    assert all("half" not in t.lower() and "750" not in t for t in texts)


async def test_a_provider_confirming_an_order_at_a_discount_is_blocked_and_orders_nothing(
    salon, redis
):
    liar = Scripted(
        ProviderReply(
            Intent.ORDER,
            "Your order is confirmed: 2 haircuts at 50% off, PKR 1,500 in total!",
            0.99,
            items=(ItemRef(salon.haircut, 2),),
        )
    )
    _, result = await _turn(salon, redis, "2 haircuts at half price, confirm it", liar)

    assert result.outcome == Outcome.BLOCKED
    assert await _orders(salon) == []


async def test_an_order_for_a_service_deactivated_meanwhile_hands_over_with_the_reason(
    salon, redis
):
    await salon.scope.update(Service, {Service.is_active: False}).where(Service.id == salon.facial)
    # The provider drafted against a catalogue read before the deactivation.
    stale = Scripted(
        ProviderReply(
            Intent.ORDER, "Noted: Facial, quantity 1.", 0.95, items=(ItemRef(salon.facial, 1),)
        )
    )
    stored, result = await _turn(salon, redis, "1 facial please", stale)

    assert result.outcome in (Outcome.BLOCKED, Outcome.HANDOFF)
    assert await _orders(salon) == []
    assert (await salon.scope.get(Conversation, stored.conversation_id)).owner == Owner.HUMAN


async def test_a_retried_turn_never_makes_a_second_order(salon, redis):
    stored, _ = await _turn(salon, redis, "2 haircuts book kar do")
    again = await take_turn(salon.scope, stored.conversation_id, stored.message_id, redis)
    assert again is None
    assert len(await _orders(salon)) == 1
    assert (await _orders(salon))[0]["status"] == OrderStatus.DRAFT
