"""API tokens for the cast, and inbox rows to act on (the app fixtures: tests/http/conftest.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from b2a.inbox.rules import (
    ChannelState,
    ConversationStatus,
    DeliveryState,
    Direction,
    Owner,
    Transport,
)
from b2a.inbox.tables import Channel, Conversation, Customer, Message
from b2a.tenants.actor import Actor
from b2a.tenants.api_tokens import create_api_token
from b2a.tenants.scope import TenantScope

OPERATOR = Actor.operator("tests")


@dataclass
class Tokens:
    acme_owner: dict[str, str]
    acme_agent: dict[str, str]
    globex_owner: dict[str, str]


async def bearer(email: str) -> dict[str, str]:
    new = await create_api_token(OPERATOR, email, name="tests")
    return {"Authorization": f"Bearer {new.token}"}


@pytest.fixture
async def tokens(cast) -> Tokens:
    return Tokens(
        await bearer(cast.acme_owner.email),
        await bearer(cast.acme_agent.email),
        await bearer(cast.globex_owner.email),
    )


async def sandbox_channel(scope: TenantScope) -> Channel:
    channel = scope.new(Channel, transport=Transport.SANDBOX, state=ChannelState.CONNECTED)
    await channel.save()
    return channel


async def whatsapp_channel(scope: TenantScope) -> Channel:
    """A connected WhatsApp-Web number: real customers' chats, which the analytics count."""
    channel = scope.new(Channel, transport=Transport.WEB, state=ChannelState.CONNECTED)
    await channel.save()
    return channel


async def seed_conversation(
    scope: TenantScope,
    channel: Channel,
    *,
    name: str = "Ayesha",
    phone: str | None = None,
    at: datetime | None = None,
    text: str = "price kya hai?",
    status: ConversationStatus = ConversationStatus.OPEN,
    owner: Owner = Owner.AI,
    unread: int = 1,
    assignee: uuid.UUID | None = None,
    window_open: bool = True,
) -> Conversation:
    """A customer who wrote ``text`` at ``at``, stored as the worker would.

    On the sandbox channel the customer is a test customer, as the simulator makes them.
    """
    at = at or datetime.now(UTC)
    customer = scope.new(
        Customer,
        name=name,
        phone=phone or f"92300{uuid.uuid4().int % 10**7:07d}",
        sandbox=channel.transport == Transport.SANDBOX,
    )
    await customer.save()
    conversation = scope.new(
        Conversation,
        channel=channel.id,
        customer=customer.id,
        status=status,
        owner=owner,
        assignee=assignee,
        last_message_at=at,
        last_message_preview=text[:200],
        last_inbound_at=at,
        window_expires_at=(datetime.now(UTC) + timedelta(hours=1 if window_open else -1)),
        unread_count=unread,
    )
    await conversation.save()
    message = scope.new(
        Message,
        conversation=conversation.id,
        direction=Direction.INBOUND,
        text=text,
        state=DeliveryState.RECEIVED,
        wa_message_id=f"wamid.{uuid.uuid4().hex}",
        created_at=at,
    )
    await message.save()
    return conversation
