"""What the assistant reads before it answers: catalogue, bounded history, customer details."""

from datetime import timedelta

from b2a.assistant import context
from b2a.catalog.tables import FaqEntry, Service
from b2a.inbox.rules import Direction, MessageKind, Transport
from b2a.inbox.tables import Channel, Conversation, Customer, Message
from b2a.lib import clock
from b2a.tenants.scope import TenantScope


async def _conversation(scope):
    channel = scope.new(Channel, transport=Transport.SANDBOX)
    await channel.save()
    customer = scope.new(Customer, phone="923001234567")
    await customer.save()
    conversation = scope.new(Conversation, channel=channel.id, customer=customer.id)
    await conversation.save()
    return conversation


async def _say(scope, conversation, text, *, at, inbound=True):
    message = scope.new(
        Message,
        conversation=conversation.id,
        direction=Direction.INBOUND if inbound else Direction.OUTBOUND,
        text=text,
    )
    message.created_at = at
    await message.save()
    return message


async def test_only_active_services_and_faq_of_this_tenant_are_in_the_catalogue(cast, db):
    acme, globex = TenantScope(cast.acme_owner.tenant_id), TenantScope(cast.globex_owner.tenant_id)
    await acme.new(
        Service, name="Haircut", price_minor=150000, currency="PKR", synonyms=["cutting", "baal"]
    ).save()
    await acme.new(Service, name="Old perm", price_minor=1, is_active=False).save()
    await globex.new(Service, name="Banner", price_minor=99).save()
    await acme.new(FaqEntry, question="Do you take cards?", answer="Yes").save()
    await acme.new(FaqEntry, question="Hidden", answer="x", is_active=False).save()

    view = await context.catalog_view(acme, "Acme")

    assert [(s.name, s.price_minor, s.currency, s.synonyms) for s in view.services] == [
        ("Haircut", 150000, "PKR", ("cutting", "baal"))
    ]
    assert [f.question for f in view.faq] == ["Do you take cards?"]


async def test_history_keeps_the_last_ten_messages_and_two_thousand_characters(cast, db):
    scope = TenantScope(cast.acme_owner.tenant_id)
    conversation = await _conversation(scope)
    start = clock.now() - timedelta(hours=1)
    for n in range(14):
        await _say(
            scope, conversation, f"message {n}", at=start + timedelta(seconds=n), inbound=n % 2 == 0
        )
    current = await _say(scope, conversation, "now", at=start + timedelta(seconds=20))

    turns = await context.history(scope, conversation.id, current)

    assert [t.text for t in turns] == [f"message {n}" for n in range(4, 14)]
    assert [t.from_customer for t in turns][:2] == [True, False]

    await _say(scope, conversation, "x" * 1500, at=start + timedelta(seconds=21))
    await _say(scope, conversation, "y" * 600, at=start + timedelta(seconds=22))
    latest = await _say(scope, conversation, "and now?", at=start + timedelta(seconds=23))
    turns = await context.history(scope, conversation.id, latest)
    assert [t.text[0] for t in turns] == ["y"]
    assert sum(len(t.text) for t in turns) <= context.HISTORY_CHARS


async def test_history_leaves_out_deleted_messages_and_whatsapps_notices(cast, db):
    scope = TenantScope(cast.acme_owner.tenant_id)
    conversation = await _conversation(scope)
    start = clock.now() - timedelta(hours=1)
    await _say(scope, conversation, "salam", at=start)
    deleted = await _say(scope, conversation, "my card is 4111", at=start + timedelta(seconds=1))
    await scope.update(Message, {Message.deleted_at: clock.now()}).where(Message.id == deleted.id)
    notice = await _say(scope, conversation, "number changed", at=start + timedelta(seconds=2))
    await scope.update(Message, {Message.kind: MessageKind.SYSTEM}).where(Message.id == notice.id)
    current = await _say(scope, conversation, "price?", at=start + timedelta(seconds=3))
    turns = await context.history(scope, conversation.id, current)
    assert [t.text for t in turns] == ["salam"]


async def test_details_the_customer_gives_never_overwrite_what_staff_entered(cast, db):
    scope = TenantScope(cast.acme_owner.tenant_id)
    conversation = await _conversation(scope)
    await scope.update(Customer, {Customer.name: "Ayesha Khan"}).where(
        Customer.id == conversation.customer
    )

    await context.remember_fields(
        scope, conversation.customer, {"name": "Ayesha", "address": "House 5, Lahore", "x": "y"}
    )

    assert await context.known_fields(scope, conversation.customer) == {
        "name": "Ayesha Khan",
        "phone": "923001234567",
        "address": "House 5, Lahore",
    }
