"""Inbox search through its indexes finds exactly what a plain substring scan finds.

The model is Python's own ``in`` on lower-cased ASCII text: a conversation
matches when its customer's name contains the query, its customer's number
contains a number-query's digits, or (for any other query) one of its messages
contains the query. Each example stores the same rows for two tenants, edits
and deletes some messages (the SQLite triggers keep FTS5 in step), and asks
every way the search can go: walking all conversations, through the index
after a window of one, and walking on when the index has more than a cap.
"""

import re
import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b2a.inbox.queries import ConversationFilter, list_conversations
from b2a.inbox.rules import Direction, Transport
from b2a.inbox.search import FEW, newest_matching, parse_query
from b2a.inbox.tables import Channel, Conversation, Customer, Message
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role
from b2a.tenants.tables import Tenant

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
# Few letters, so that queries often match; the characters LIKE and FTS5 treat specially too.
LETTERS = 'aA %_\\"*'
texts = st.text(alphabet=LETTERS, max_size=10)
phones = st.text(alphabet="0123", min_size=0, max_size=6)
queries = st.one_of(
    st.text(alphabet=LETTERS, max_size=4),
    st.text(alphabet="aA", min_size=3, max_size=4),
    st.text(alphabet="0123+ -", min_size=1, max_size=6),
)
conversations = st.lists(
    st.tuples(texts, phones, st.lists(texts, max_size=4)), min_size=0, max_size=6
)
# Per message: keep it, change its text to this, or delete it.
changes = st.lists(st.one_of(st.none(), texts, st.just(DELETE := "\x00delete")), max_size=8)


async def _actor():
    tenant = Tenant(name="t", slug=f"t-{uuid.uuid4().hex[:12]}")
    await tenant.save()
    return Actor(uuid.uuid4(), Role.STAFF, tenant.id)


async def _store(actor, rows, edits):
    """The rows for this tenant; the model of what each conversation says, by id."""
    scope = actor.scope
    channel = scope.new(Channel, transport=Transport.SANDBOX)
    await channel.save()
    model = {}
    edit = iter(edits)
    for n, (name, phone, said) in enumerate(rows):
        customer = scope.new(Customer, name=name, phone=phone)
        await customer.save()
        conversation = scope.new(
            Conversation,
            channel=channel.id,
            customer=customer.id,
            last_message_at=EPOCH + timedelta(minutes=n),
        )
        await conversation.save()
        kept = []
        for text in said:
            message = scope.new(
                Message, conversation=conversation.id, direction=Direction.INBOUND, text=text
            )
            await message.save()
            change = next(edit, None)
            if change == DELETE:
                await scope.delete(Message).where(Message.id == message.id)
                continue
            if change is not None:
                await scope.update(Message, {Message.text: change}).where(Message.id == message.id)
                text = change
            kept.append(text)
        model[conversation.id] = (name, phone, kept)
    return model


def _expected(model, q):
    """The conversations a plain substring scan finds, newest first."""
    query = parse_query(q)
    text = query.text.lower()
    digits = re.sub(r"\D", "", query.text)
    found = []
    for conversation_id, (name, phone, said) in model.items():
        if query.is_number:
            matched = text in name.lower() or digits in phone
        else:
            matched = text in name.lower() or any(text in t.lower() for t in said)
        if matched:
            found.append(conversation_id)
    return list(reversed(found))


async def _found(actor, q, *, window, cap):
    def listed():
        return actor.scope.select(Conversation, Conversation.id, Conversation.last_message_at)

    rows = await newest_matching(actor.scope, q, listed, None, 100, window=window, cap=cap)
    return [row["id"] for row in rows]


async def _every_page(actor, q, *, limit):
    """The ids of every page of the search, following the cursors to the end."""
    seen, cursor = [], None
    while True:
        page = await list_conversations(actor, ConversationFilter(q=q), cursor=cursor, limit=limit)
        seen.extend(c.id for c in page.items)
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor


# (window, cap): walk it all; walk one, then the index; walk one, the index overflows, walk on.
WAYS = ((10_000, 10_000), (1, 10_000), (1, 1))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=conversations, edits=changes, q=queries)
async def test_indexed_search_finds_what_a_substring_scan_finds(db, rows, edits, q):
    ours, theirs = await _actor(), await _actor()
    model = await _store(ours, rows, edits)
    await _store(theirs, rows, edits)
    expected = _expected(model, q)
    for window, cap in WAYS:
        assert await _found(ours, q, window=window, cap=cap) == expected, (window, cap)
    page = await list_conversations(ours, ConversationFilter(q=q), limit=100)
    assert [c.id for c in page.items] == (expected if q.strip() else list(reversed(model)))


async def test_a_search_pages_through_many_matches_with_cursors(db):
    actor = await _actor()
    rows = [(f"name {n}", "923001234567", [f"hello {n}", "price kya hai?"]) for n in range(30)]
    model = await _store(actor, rows, [])
    for q in ("price", "+92 300", "name 1"):
        assert await _every_page(actor, q, limit=7) == _expected(model, q)


async def test_a_number_does_not_search_message_text(db):
    actor = await _actor()
    model = await _store(
        actor, [("Ayesha", "923001112223", []), ("Bilal", "447700900123", ["call 92300"])], []
    )
    assert await _found(actor, "+92 300", window=1, cap=10_000) == _expected(model, "+92 300")
    assert len(_expected(model, "+92 300")) == 1


async def test_an_edited_or_deleted_message_is_found_by_what_it_says_now(db):
    actor = await _actor()
    await _store(actor, [("Ayesha", "", ["hello there"])], ["goodbye now"])
    assert len(await _found(actor, "goodbye", window=1, cap=10_000)) == 1
    assert await _found(actor, "hello", window=1, cap=10_000) == []
    await actor.scope.delete(Message)
    assert await _found(actor, "goodbye", window=1, cap=10_000) == []


async def test_more_matches_than_are_written_into_a_statement_are_found_in_order(db):
    # More than FEW ids go as one parameter and the inbox is walked, newest first.
    actor, other = await _actor(), await _actor()
    many = FEW + 30
    rows = [
        (f"Qureshi {n}" if n % 3 else f"Khan {n}", "", ["tiramisu?"] if n % 2 else [])
        for n in range(many * 3 // 2)
    ]
    model = await _store(actor, rows, [])
    await _store(other, rows[:20], [])  # another tenant with the same names
    for q in ("qureshi", "tiramisu", "qureshi 1"):
        expected = _expected(model, q)
        assert await _found(actor, q, window=1, cap=10_000) == expected[:100], q
        assert await _every_page(actor, q, limit=25) == expected, q
    assert len(_expected(model, "qureshi")) > FEW
