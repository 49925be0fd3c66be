"""The sandbox customer: play a WhatsApp user and chat with your own business.

A simulated message is accepted exactly like a webhook delivery (a durable
``InboundEvent``, then the ``process_inbound`` job), so it goes through the same
storage, reply step and send jobs as a real one. The business's replies go out
through the sandbox transport and are read back from the conversation.
"""

from __future__ import annotations

import uuid

from b2a.errors import Invalid
from b2a.inbox import recovery
from b2a.inbox import service as inbox
from b2a.inbox.queries import message_out
from b2a.inbox.rules import ChannelState, IdentityKind, Transport
from b2a.inbox.schemas import ChannelOut, MessageOut, SimulatedAccepted
from b2a.inbox.tables import Channel, Conversation, CustomerIdentity, Message
from b2a.lib import clock
from b2a.lib.phone import normalise_phone
from b2a.tenants.actor import Actor
from b2a.tenants.scope import TenantScope
from b2a.whatsapp.inbound import Identity, InboundMessage

THREAD_LIMIT = 100


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


async def simulate_customer_message(
    actor: Actor, *, phone: str, text: str, name: str = ""
) -> SimulatedAccepted:
    """Accept a message from the simulated customer and queue its processing.

    Raises:
        Invalid: a bad phone number, or an empty or overlong text.
    """
    number = normalise_phone(phone)
    body = text.strip()
    if not 1 <= len(body) <= 4096:
        raise Invalid("a message has 1 to 4096 characters.", field="text")
    scope = actor.scope
    channel = await _sandbox_channel(scope)
    message = InboundMessage(
        wa_message_id=f"sandbox-in.{uuid.uuid4().hex}",
        identities=[Identity(IdentityKind.PHONE, number)],
        phone=number,
        profile_name=name.strip()[:120],
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
    channel = await _sandbox_channel(scope)
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
            (Conversation.channel == channel.id) & (Conversation.customer == identity["customer"])
        )
        .first()
    )
    if conversation is None:
        return []
    rows = await (
        scope.select(Message)
        .where(Message.conversation == conversation["id"])
        .order_by(Message.created_at, Message.id, ascending=False)
        .limit(THREAD_LIMIT)
        .output(load_json=True)
    )
    return [message_out(row) for row in reversed(rows)]
