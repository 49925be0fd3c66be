"""Keyset pages of the inbox: every row exactly once, in order, whatever the page size."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b2a.errors import Invalid
from b2a.inbox.queries import ConversationFilter, list_conversations, list_messages
from b2a.inbox.rules import Direction, Transport
from b2a.inbox.tables import Channel, Conversation, Customer, Message
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
# Few distinct instants, so many rows share one and the id must break the tie.
instants = st.integers(min_value=0, max_value=6).map(
    lambda n: EPOCH + timedelta(seconds=n, microseconds=n * 1500)
)


async def _actor():
    tenant = Tenant(name="t", slug=f"t-{uuid.uuid4().hex[:12]}")
    await tenant.save()
    return Actor(uuid.uuid4(), Role.STAFF, tenant.id)


async def _conversations(scope, times):
    channel = scope.new(Channel, transport=Transport.SANDBOX)
    await channel.save()
    for at in times:
        customer = scope.new(Customer, name="c")
        await customer.save()
        conversation = scope.new(
            Conversation, channel=channel.id, customer=customer.id, last_message_at=at
        )
        await conversation.save()
    return channel


async def _all_pages(fetch, page_size):
    seen, cursor = [], None
    while True:
        page = await fetch(cursor, page_size)
        assert len(page.items) <= page_size
        seen.extend(page.items)
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(times=st.lists(instants, min_size=0, max_size=14), page_size=st.integers(1, 5))
async def test_conversation_pages_never_repeat_or_skip(db, times, page_size):
    actor = await _actor()
    await _conversations(actor.scope, times)

    async def fetch(cursor, limit):
        return await list_conversations(actor, ConversationFilter(), cursor=cursor, limit=limit)

    seen = await _all_pages(fetch, page_size)
    rows = await actor.scope.select(Conversation, Conversation.id, Conversation.last_message_at)
    expected = sorted(rows, key=lambda r: (r["last_message_at"], str(r["id"])), reverse=True)
    assert [c.id for c in seen] == [r["id"] for r in expected]


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(times=st.lists(instants, min_size=1, max_size=12), page_size=st.integers(1, 4))
async def test_message_pages_never_repeat_or_skip(db, times, page_size):
    actor = await _actor()
    scope: TenantScope = actor.scope
    channel = await _conversations(scope, [EPOCH])
    conversation = (
        await scope.objects(Conversation).where(Conversation.channel == channel.id).first()
    )
    for at in times:
        await scope.new(
            Message, conversation=conversation.id, direction=Direction.INBOUND, created_at=at
        ).save()

    async def fetch(cursor, limit):
        return await list_messages(actor, conversation.id, cursor=cursor, limit=limit)

    seen = await _all_pages(fetch, page_size)
    assert len({m.id for m in seen}) == len(times) == len(seen)
    keys = [(m.created_at, str(m.id)) for m in seen]
    assert keys == sorted(keys, reverse=True)


async def test_a_forged_cursor_is_a_validation_error(db):
    actor = await _actor()
    with pytest.raises(Invalid) as caught:
        await list_conversations(actor, ConversationFilter(), cursor="not-a-cursor")
    assert caught.value.field == "cursor"
