"""The sandbox customer: play a WhatsApp user and chat with your own business.

A simulated message is accepted exactly like a webhook delivery (a durable
``InboundEvent``, then the ``process_inbound`` job), so it goes through the same
storage, reply step and send jobs as a real one. The business's replies go out
through the sandbox transport and are read back from the conversation.

The team plays named **test customers** (``Customer.sandbox``): each has a
number from the range the UK regulator (Ofcom) keeps for drama and fiction,
+44 7700 900000 to 900999, which no phone will ever have but which is a valid
mobile number to every check (``phonenumbers``), so it is formatted and stored
like any other. A tenant has 1,000 of them; a number comes free again when its
test customer is erased. A customer first met through the sandbox under a
number of one's own choosing (``simulate_customer_message``) is a test customer
too; a real customer's number typed there stays theirs.

Everything said in a sandbox chat stays outside the plan's assistant quota and
the analytics (``assistant.governance``, ``analytics.tenant``).
"""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

from b2a.db.transaction import atomic
from b2a.errors import Conflict, Invalid, NotFound
from b2a.inbox import recovery
from b2a.inbox import service as inbox
from b2a.inbox.queries import message_out
from b2a.inbox.rules import ChannelState, IdentityKind, Transport
from b2a.inbox.schemas import ChannelOut, MessageOut, SandboxCustomerOut, SimulatedAccepted
from b2a.inbox.storing import customer_for
from b2a.inbox.tables import Channel, Conversation, Customer, CustomerIdentity, Message
from b2a.lib import clock
from b2a.lib.phone import normalise_phone
from b2a.lib.text import readable
from b2a.tenants.actor import Actor
from b2a.tenants.scope import TenantScope
from b2a.whatsapp.inbound import Identity, InboundMessage

THREAD_LIMIT = 100
FICTION_FIRST = 447700900000
"""+44 7700 900000, the first of Ofcom's mobile numbers for drama (to 900999)."""
FICTION_COUNT = 1000
NAME_LENGTH = 120


async def _sandbox_channel(scope: TenantScope) -> Channel:
    channel = await scope.objects(Channel).where(Channel.transport == Transport.SANDBOX).first()
    if channel is None:
        channel = scope.new(
            Channel,
            transport=Transport.SANDBOX,
            state=ChannelState.CONNECTED,
            display_phone="sandbox",
            state_changed_at=clock.now(),
        )
        await channel.save()
    return channel


async def ensure_sandbox_channel(actor: Actor) -> ChannelOut:
    """The tenant's sandbox channel, created (connected) on first use."""
    channel = await _sandbox_channel(actor.scope)
    return ChannelOut(channel.id, channel.transport, channel.state, channel.display_phone)


def _name(name: str) -> str:
    """The name as a profile name is kept: spaces folded, characters text cannot hold replaced."""
    cleaned = " ".join(readable(name).split())
    if len(cleaned) > NAME_LENGTH:
        raise Invalid(f"a name has at most {NAME_LENGTH} characters.", field="name")
    return cleaned


async def _claim(scope: TenantScope, number: str, name: str) -> tuple[UUID, bool]:
    """The customer the number names, or a new test customer with it; True if new.

    ``storing.customer_for`` decides, as for a first WhatsApp message, so two
    claims of one number at once make one customer.
    """
    message = InboundMessage(
        wa_message_id="",
        identities=[Identity(IdentityKind.PHONE, number)],
        phone=number,
        profile_name=name,
        kind="text",
        text="",
        sent_at=clock.now(),
    )
    async with atomic():
        customer_id, new = await customer_for(scope, message)
        if new:
            await scope.update(Customer, {Customer.sandbox: True}).where(Customer.id == customer_id)
    return customer_id, new


async def create_test_customer(actor: Actor, *, name: str = "") -> SandboxCustomerOut:
    """A new test customer with the first free fiction number.

    An unnamed one stays unnamed, shown by their number: a made-up name would be
    a name the assistant knows, and it would stop asking for one.

    Raises:
        Invalid: the name is too long.
        Conflict: all 1,000 fiction numbers are in use.
    """
    cleaned = _name(name)
    scope = actor.scope
    taken = await scope.select(CustomerIdentity, CustomerIdentity.value).where(
        (CustomerIdentity.kind == IdentityKind.PHONE)
        & CustomerIdentity.value.like(f"{str(FICTION_FIRST)[:-3]}%")
    )
    used = {row["value"] for row in taken}
    for n in range(FICTION_COUNT):
        number = str(FICTION_FIRST + n)
        if number in used:
            continue
        customer_id, new = await _claim(scope, number, cleaned)
        if new:
            return await _test_customer(scope, customer_id)
    raise Conflict(
        "All 1,000 test numbers (+44 7700 900000 to 900999) are in use: an admin can erase "
        "test customers you no longer need (Inbox, the customer's conversation, Erase)."
    )


async def list_test_customers(actor: Actor) -> list[SandboxCustomerOut]:
    """The tenant's test customers, the latest to chat (or be made) first."""
    scope = actor.scope
    rows = await scope.select(
        Customer, Customer.id, Customer.name, Customer.phone, Customer.created_at
    ).where(Customer.sandbox.eq(True) & Customer.erased_at.is_null())
    chats = await _chats(scope, [row["id"] for row in rows])
    found = [_out(row, chats.get(row["id"])) for row in rows]
    return sorted(found, key=lambda c: c.last_message_at or c.created_at, reverse=True)


async def _chats(scope: TenantScope, customer_ids: list[UUID]) -> dict[UUID, dict[str, Any]]:
    """Each customer's sandbox conversation, by customer."""
    if not customer_ids:
        return {}
    rows = await scope.select(
        Conversation,
        Conversation.id,
        Conversation.customer,
        Conversation.last_message_at,
        Conversation.last_message_preview,
    ).where(
        (Conversation.channel._.transport == Transport.SANDBOX)
        & Conversation.customer.is_in(customer_ids)
    )
    return {row["customer"]: row for row in rows}


def _out(customer: dict[str, Any], chat: dict[str, Any] | None) -> SandboxCustomerOut:
    return SandboxCustomerOut(
        id=customer["id"],
        name=customer["name"],
        phone=customer["phone"],
        created_at=customer["created_at"],
        conversation_id=chat["id"] if chat else None,
        last_message_at=chat["last_message_at"] if chat else None,
        last_message_preview=chat["last_message_preview"] if chat else "",
    )


async def _test_customer(scope: TenantScope, customer_id: UUID) -> SandboxCustomerOut:
    row = (
        await scope.select(
            Customer, Customer.id, Customer.name, Customer.phone, Customer.created_at
        )
        .where(
            (Customer.id == customer_id) & Customer.sandbox.eq(True) & Customer.erased_at.is_null()
        )
        .first()
    )
    if row is None:
        raise NotFound("There is no such test customer: choose one on the sandbox page.")
    return _out(row, (await _chats(scope, [customer_id])).get(customer_id))


async def get_test_customer(actor: Actor, customer_id: UUID) -> SandboxCustomerOut:
    """One test customer and where their chat stands.

    Raises:
        NotFound: no such test customer in the actor's tenant (a real customer included).
    """
    return await _test_customer(actor.scope, customer_id)


async def send_as_test_customer(actor: Actor, customer_id: UUID, *, text: str) -> SimulatedAccepted:
    """A message from the test customer, accepted like one from WhatsApp.

    Raises:
        NotFound: no such test customer in the actor's tenant.
        Invalid: an empty or overlong text.
    """
    customer = await _test_customer(actor.scope, customer_id)
    return await simulate_customer_message(
        actor, phone=customer.phone, text=text, name=customer.name
    )


async def thread_of_test_customer(actor: Actor, customer_id: UUID) -> list[MessageOut]:
    """The test customer's chat as their phone shows it: oldest first.

    Raises:
        NotFound: no such test customer in the actor's tenant.
    """
    customer = await _test_customer(actor.scope, customer_id)
    if customer.conversation_id is None:
        return []
    return await _thread(actor.scope, customer.conversation_id)


async def simulate_customer_message(
    actor: Actor, *, phone: str, text: str, name: str = ""
) -> SimulatedAccepted:
    """Accept a message from the simulated customer and queue its processing.

    A number nobody has yet becomes a test customer's (module docstring).

    Raises:
        Invalid: a bad phone number, or an empty or overlong text.
    """
    number = normalise_phone(phone)
    body = text.strip()
    if not 1 <= len(body) <= 4096:
        raise Invalid("a message has 1 to 4096 characters.", field="text")
    profile_name = _name(name)
    scope = actor.scope
    channel = await _sandbox_channel(scope)
    await _claim(scope, number, profile_name)
    message = InboundMessage(
        wa_message_id=f"sandbox-in.{uuid.uuid4().hex}",
        identities=[Identity(IdentityKind.PHONE, number)],
        phone=number,
        profile_name=profile_name,
        kind="text",
        text=body,
        sent_at=clock.now(),
    )
    event_id = await inbox.accept_inbound(scope, channel.id, Transport.SANDBOX, message)
    if event_id is not None:
        await recovery.enqueue_event("process_inbound", scope.tenant_id, event_id)
    return SimulatedAccepted(event_id, channel.id, number)


async def simulator_thread(actor: Actor, phone: str) -> list[MessageOut]:
    """The simulated customer's conversation as their phone shows it: oldest first.

    Raises:
        Invalid: a bad phone number.
    """
    number = normalise_phone(phone)
    scope = actor.scope
    identity = (
        await scope.select(CustomerIdentity, CustomerIdentity.customer)
        .where((CustomerIdentity.kind == IdentityKind.PHONE) & (CustomerIdentity.value == number))
        .first()
    )
    if identity is None:
        return []
    conversation = (
        await scope.select(Conversation, Conversation.id)
        .where(
            (Conversation.channel._.transport == Transport.SANDBOX)
            & (Conversation.customer == identity["customer"])
        )
        .first()
    )
    if conversation is None:
        return []
    return await _thread(scope, conversation["id"])


async def _thread(scope: TenantScope, conversation_id: UUID) -> list[MessageOut]:
    rows = await (
        scope.select(Message)
        .where(Message.conversation == conversation_id)
        .order_by(Message.created_at, Message.id, ascending=False)
        .limit(THREAD_LIMIT)
        .output(load_json=True)
    )
    return [message_out(row) for row in reversed(rows)]
