"""The hot statements' cached plans use the index they are written for, from the first message.

asyncpg prepares each statement once per connection, and after five runs PostgreSQL may keep
a generic plan: one made with what it knew then, kept until the table is analysed again
(never, with autovacuum off). Made while the tables are empty, that plan once walked a whole
tenant's rows through a (tenant, …) index for every lookup by id (7.8 ms at 20k messages
instead of 0.12; docs/performance.md, "Plans from the first message"). So this asks PostgreSQL
for the generic plan of each statement on a new, empty, never analysed schema (the state
``b2a init`` leaves: ``b2a.db.statistics`` analyses no small table) and checks its scans.
"""

from __future__ import annotations

import json
from typing import Any

import asyncpg
import pytest

from b2a.assistant import facts, lead, turn
from b2a.db.sql import Statement
from b2a.inbox import annotations, batch, storing
from b2a.outbox import auto_replies, delivery, ordering, queueing
from tests.cli.helpers import b2a, operator_env

CONVERSATION = {"conversation_pkey"}
MESSAGE = {"message_pkey"}
# A send's read: the message, its conversation, channel, customer and their identity, the
# schedule it may come from and the tenant's subscription.
PENDING = (
    MESSAGE
    | CONVERSATION
    | {
        "channel_pkey",
        "customer_pkey",
        "customer_identity_customer",
        "ix_scheduled_message_message",
        "subscription_tenant",
    }
)
HOT: dict[str, tuple[Statement, set[str]]] = {
    "storing: event": (storing._EVENT, {"inbound_event_pkey"}),
    "storing: identity owner": (storing._OWNER, {"ix_customer_identity_unique"}),
    "storing: known identities": (storing.known_identities(3), {"ix_customer_identity_unique"}),
    "storing: find thread": (storing._FIND_THREAD, {"ix_conversation_thread_unique"}),
    "storing: stored message": (storing._STORED_MESSAGE, {"ix_message_wamid_unique"}),
    "storing: touch inbound": (storing._TOUCH_INBOUND, CONVERSATION),
    "storing: touch echo": (storing._TOUCH_ECHO, CONVERSATION),
    "storing: touch system": (storing._TOUCH_SYSTEM, CONVERSATION),
    "storing: window": (storing._WINDOW, CONVERSATION),
    "storing: drop customer": (storing._DROP_CUSTOMER, {"customer_pkey"}),
    "storing: new phone": (storing._NEW_PHONE, {"customer_pkey"}),
    "batch: events": (batch._read_events(3, True), {"inbound_event_pkey"}),
    "batch: find threads": (batch._find_threads(3), {"ix_conversation_thread_unique"}),
    "batch: stored messages": (batch._stored_messages(3), {"ix_message_wamid_unique"}),
    "batch: touch": (batch._touch(3, True), CONVERSATION),
    "batch: window": (batch._WINDOW, CONVERSATION),
    "assistant: facts": (
        facts._FACTS,
        MESSAGE
        | CONVERSATION
        | {"channel_pkey", "tenant_pkey", "customer_pkey", "ix_assistant_config_tenant_unique"},
    ),
    "assistant: claim": (lead._CLAIM, MESSAGE),
    "assistant: confidence": (turn._CONFIDENCE, MESSAGE),
    "assistant: hand over": (turn._HAND_OVER, CONVERSATION),
    "annotations: react": (annotations._REACT, MESSAGE),
    "annotations: edit": (annotations._EDIT, MESSAGE),
    "annotations: revoke": (annotations._REVOKE, MESSAGE),
    "annotations: preview": (annotations._PREVIEW, CONVERSATION | {"ix_message_thread"}),
    "reply: hand over": (auto_replies._HAND_OVER, CONVERSATION),
    "reply: claim": (auto_replies._claims(3, True), MESSAGE),
    "reply: lead": (auto_replies._leads(3, True), MESSAGE),
    "reply: said before": (auto_replies._said_before(3), {"ix_message_thread"}),
    "reply: told away": (auto_replies._told_away(3), {"ix_message_thread"}),
    "reply: context": (
        auto_replies._contexts(3),
        CONVERSATION | {"tenant_pkey", "channel_pkey", "ix_assistant_config_tenant_unique"},
    ),
    "queue: touch": (queueing._touch_texts(3, True), CONVERSATION),
    "send: pending": (delivery._PENDING, PENDING),
    "send: claim": (delivery._CLAIM, MESSAGE),
    "send batch: pending": (delivery._PENDING_EACH, PENDING),
    "send batch: claim": (delivery._CLAIM_EACH, MESSAGE),
    "send batch: sent": (delivery._SENT_EACH, MESSAGE),
    "send batch: waiting": (ordering._WAITING_EACH, {"ix_message_send_queue"}),
    "send: sent": (delivery._SENT, MESSAGE),
    "send: waiting": (ordering._WAITING, {"ix_message_send_queue"}),
    "send: held": (ordering._HELD, MESSAGE),
    "send: woken": (ordering._WOKEN, MESSAGE),
}


@pytest.fixture(scope="module")
def fresh_schema(tmp_path_factory, make_database, redis_url) -> str:
    """A new database migrated by `b2a migrate`: empty tables, none ever analysed."""
    env = operator_env(tmp_path_factory.mktemp("plans"), make_database(), redis_url)
    migrated = b2a(env, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    return env["B2A_DB_URL"]


def _scans(node: dict[str, Any]) -> list[str]:
    found = [node.get("Index Name") or f"Seq Scan {node['Relation Name']}"] if (
        "Scan" in node["Node Type"] and "Relation Name" in node
    ) else []  # fmt: skip
    for child in node.get("Plans", []):
        found += _scans(child)
    return found


async def _generic_scans(conn: asyncpg.Connection, statement: Statement) -> list[str]:
    sql, args = statement.positional(dict.fromkeys(statement.parameters))
    await conn.execute(f"PREPARE hot AS {sql}")
    try:
        nulls = ", ".join("NULL" for _ in args)
        plan = await conn.fetchval(f"EXPLAIN (FORMAT JSON) EXECUTE hot({nulls})")
    finally:
        await conn.execute("DEALLOCATE hot")
    return _scans(json.loads(plan)[0]["Plan"])


@pytest.mark.parametrize("name", sorted(HOT))
async def test_the_generic_plan_made_while_empty_uses_the_statements_index(fresh_schema, name):
    statement, indexes = HOT[name]
    conn = await asyncpg.connect(fresh_schema)
    try:
        await conn.execute("SET plan_cache_mode = force_generic_plan")
        scans = await _generic_scans(conn, statement)
    finally:
        await conn.close()
    assert set(scans) == indexes, f"{name}: {scans}"


async def test_a_tenant_condition_an_index_can_use_is_what_fell_into_the_trap(fresh_schema):
    """The test can see the trap: the same lookup with a plain tenant condition (PostgreSQL 15)."""
    plain = Statement("SELECT id FROM message WHERE tenant = :tenant AND id = :id")
    conn = await asyncpg.connect(fresh_schema)
    try:
        await conn.execute("SET plan_cache_mode = force_generic_plan")
        scans = await _generic_scans(conn, plain)
    finally:
        await conn.close()
    assert scans != ["message_pkey"], "PostgreSQL no longer picks another index: simplify?"
