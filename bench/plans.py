"""The generic-plan trap of the hot statements, and what each way out costs.

Run by hand: ``python -m bench.plans [--rows 20000] [--seconds 1]`` (PostgreSQL at
127.0.0.1:5432 unless ``--pg`` says otherwise). For each scenario it makes a new database
with b2a's schema, opens one asyncpg connection the way the pools do, runs the hot
statements of the message pipeline ten times while the tables are empty (PostgreSQL
builds a generic plan after five), fills one tenant with ``--rows`` customers,
conversations, events and twice as many messages and identities from another connection
(no ANALYZE after), and then times each statement on the first connection: wall clock
and the server process's CPU, per execution, with the plan it ran (EXPLAIN EXECUTE of the
connection's own prepared statement), next to the plan it had cached while the tables were
empty. The two differ when something reset the connection's plan cache in between (an
ANALYZE, or on a busy server other sessions' DDL overflowing its invalidation queue): the
plan made while empty is the one a quiet server keeps.

Scenarios: the tables never analysed or analysed while empty (what ANALYZE after
``b2a init`` leaves), with ``plan_cache_mode`` auto or ``force_custom_plan``; and the
reference, ANALYZE after the fill. docs/performance.md ("Plans from the first message")
records a run.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg

from b2a.db.sql import Statement
from b2a.inbox import storing
from b2a.outbox import auto_replies, delivery, ordering
from bench.harness import cpu_seconds

TENANT = uuid.UUID("00000000-0000-4000-8000-000000000001")
CHANNEL = uuid.UUID("00000000-0000-4000-8000-000000000002")


@dataclass(frozen=True)
class Hot:
    """A hot statement and how to fill its parameters for the n-th stored row."""

    name: str
    statement: Statement
    params: Callable[[int], dict[str, Any]]


def _id(kind: int, n: int) -> uuid.UUID:
    return uuid.UUID(int=(kind << 64) | n)


def _at(_: int) -> datetime:
    return datetime.now(UTC)


HOT = (
    Hot(
        "storing: event by id",
        storing._EVENT,
        lambda n: {"tenant": TENANT, "id": _id(5, n), "at": _at(n), "outcome": "stored"},
    ),
    Hot(
        "storing: identity owner",
        storing._OWNER,
        lambda n: {"tenant": TENANT, "kind": "wa_id", "value": f"92300{n}"},
    ),
    Hot(
        "storing: known identities",
        storing.known_identities(2),
        lambda n: {
            "tenant": TENANT,
            "kind0": "phone",
            "value0": f"92300{n}",
            "kind1": "wa_id",
            "value1": f"92300{n}",
        },
    ),
    Hot(
        "storing: conversation window",
        storing._WINDOW,
        lambda n: {"tenant": TENANT, "id": _id(3, n)},
    ),
    Hot(
        "storing: stored message by wamid",
        storing._STORED_MESSAGE,
        lambda n: {"tenant": TENANT, "wa_message_id": f"wamid.in.{n}"},
    ),
    Hot(
        "reply: claim message",
        auto_replies._claims(1, True),
        lambda n: {"tenant": TENANT, "id0": _id(4, 2 * n), "at": _at(n)},
    ),
    Hot(
        "reply: said before",
        auto_replies._said_before(1),
        lambda n: {
            "tenant": TENANT,
            "conversation0": _id(3, n),
            "id0": _id(4, 2 * n),
            "outbound": "OUTBOUND",
            "before0": datetime(2000, 1, 1, tzinfo=UTC),
        },
    ),
    Hot(
        "reply: context",
        auto_replies._contexts(1),
        lambda n: {"tenant": TENANT, "id0": _id(3, n)},
    ),
    Hot(
        "send: pending message",
        delivery._PENDING,
        lambda n: {
            "tenant": TENANT,
            "id": _id(4, 2 * n + 1),
            "cloud": "cloud",
            "wa_id": "wa_id",
            "web": "web",
            "jid": "jid",
        },
    ),
    Hot(
        "send: conversation queue",
        ordering._WAITING,
        lambda n: {"tenant": TENANT, "conversation": _id(3, n), "limit": 2},
    ),
    Hot(
        "send: mark sent",
        delivery._SENT,
        lambda n: {
            "tenant": TENANT,
            "id": _id(4, 2 * n + 1),
            "sent": "SENT",
            "sending": "SENDING",
            "wa_message_id": f"wamid.out.{n}",
            "at": _at(n),
        },
    ),
)

FILL = (
    "INSERT INTO customer (id, tenant, phone)"
    " SELECT uuid(lpad(to_hex(1), 16, '0') || lpad(to_hex(n), 16, '0')), $1, '92300' || n"
    " FROM generate_series(0, $2 - 1) n",
    "INSERT INTO customer_identity (id, tenant, customer, kind, value)"
    " SELECT gen_random_uuid(), tenant, id, k, phone"
    " FROM customer, unnest('{wa_id,phone}'::text[]) k WHERE tenant = $1 AND $2 > 0",
    "INSERT INTO conversation (id, tenant, channel, customer)"
    " SELECT uuid(lpad(to_hex(3), 16, '0') || lpad(to_hex(n), 16, '0')), $1, $3,"
    " uuid(lpad(to_hex(1), 16, '0') || lpad(to_hex(n), 16, '0'))"
    " FROM generate_series(0, $2 - 1) n",
    "INSERT INTO message (id, tenant, conversation, direction, author, kind, text, state,"
    " wa_message_id)"
    " SELECT uuid(lpad(to_hex(4), 16, '0') || lpad(to_hex(2 * n + d), 16, '0')), $1,"
    " uuid(lpad(to_hex(3), 16, '0') || lpad(to_hex(n), 16, '0')),"
    " CASE d WHEN 0 THEN 'INBOUND' ELSE 'OUTBOUND' END, 'CUSTOMER', 'TEXT', 'hello',"
    " CASE d WHEN 0 THEN 'RECEIVED' ELSE 'SENDING' END,"
    " CASE d WHEN 0 THEN 'wamid.in.' || n ELSE 'wamid.queued.' || n END"
    " FROM generate_series(0, $2 - 1) n, generate_series(0, 1) d",
    "INSERT INTO inbound_event (id, tenant, channel, source, dedupe_key, payload)"
    " SELECT uuid(lpad(to_hex(5), 16, '0') || lpad(to_hex(n), 16, '0')), $1, $3, 'cloud',"
    " 'msg:wamid.in.' || n, '{}' FROM generate_series(0, $2 - 1) n",
)


async def fill(admin: asyncpg.Connection, rows: int) -> None:
    """One tenant's rows, from a connection other than the measured one."""
    await admin.execute("INSERT INTO tenant (id, name, slug) VALUES ($1, 'Big', 'big')", TENANT)
    await admin.execute(
        "INSERT INTO channel (id, tenant, transport) VALUES ($1, $2, 'cloud')", CHANNEL, TENANT
    )
    for sql in FILL:
        args = [TENANT, rows, CHANNEL] if "$3" in sql else [TENANT, rows]
        await admin.execute(sql, *args)


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    return "'" + str(value).replace("'", "''") + "'"


@dataclass(frozen=True)
class Timing:
    """One statement's cost per execution in one scenario."""

    name: str
    empty_plan: str
    plan: str
    wall_ms: float
    cpu_ms: float
    generic: bool


async def _plan(conn: asyncpg.Connection, hot: Hot, n: int) -> tuple[str, bool]:
    """The scans of the plan the connection's own prepared statement runs, and if generic."""
    params = hot.params(n)
    sql, args = hot.statement.positional(params)
    row = await conn.fetchrow(
        "SELECT name, generic_plans > 0 AS generic FROM pg_prepared_statements"
        " WHERE statement = $1",
        sql,
    )
    values = ", ".join(_literal(a) for a in args)
    plan = await conn.fetchval(f'EXPLAIN (FORMAT JSON) EXECUTE "{row["name"]}"({values})')
    return ", ".join(_scans(_loads(plan)[0]["Plan"])), bool(row["generic"])


def _loads(text: Any) -> Any:
    import json

    return json.loads(text) if isinstance(text, str) else text


def _scans(node: dict[str, Any]) -> list[str]:
    found = []
    if "Scan" in node["Node Type"]:
        found.append(f"{node['Node Type']} {node.get('Index Name') or node['Relation Name']}")
    for child in node.get("Plans", []):
        found += _scans(child)
    return found


async def time_statement(
    conn: asyncpg.Connection, pid: int, hot: Hot, rows: int, seconds: float, empty_plan: str
) -> Timing:
    """Run the statement on stored rows for about ``seconds``; cost per execution."""
    runs, started, cpu = 0, time.perf_counter(), cpu_seconds(pid)
    while time.perf_counter() - started < seconds and runs < rows:
        sql, args = hot.statement.positional(hot.params(runs))
        await conn.fetch(sql, *args)
        runs += 1
    wall, cpu = time.perf_counter() - started, cpu_seconds(pid) - cpu
    plan, generic = await _plan(conn, hot, runs)
    return Timing(hot.name, empty_plan, plan, wall / runs * 1000, cpu / runs * 1000, generic)


SCENARIOS = {
    "never analysed, auto": (False, "auto", False),
    "analysed empty, auto": (True, "auto", False),
    "never analysed, force_custom_plan": (False, "force_custom_plan", False),
    "analysed empty, force_custom_plan": (True, "force_custom_plan", False),
    "analysed after the fill, auto (reference)": (True, "auto", True),
}


async def run_scenario(template_url: str, name: str, rows: int, seconds: float) -> list[Timing]:
    """One scenario on a fresh copy of the migrated template."""
    analyse_empty, mode, analyse_full = SCENARIOS[name]
    base, template = template_url.rsplit("/", 1)
    db = f"{template}_{time.time_ns()}"
    admin = await asyncpg.connect(f"{base}/postgres")
    await admin.execute(f'CREATE DATABASE "{db}" TEMPLATE "{template}"')
    try:
        filler = await asyncpg.connect(f"{base}/{db}")
        if analyse_empty:
            await filler.execute("ANALYZE")
        hot = await asyncpg.connect(f"{base}/{db}", server_settings={"plan_cache_mode": mode})
        pid = await hot.fetchval("SELECT pg_backend_pid()")
        for item in HOT:
            for n in range(10):
                sql, args = item.statement.positional(item.params(rows + n))
                await hot.fetch(sql, *args)
        empty = {item.name: (await _plan(hot, item, rows))[0] for item in HOT}
        await fill(filler, rows)
        if analyse_full:
            await filler.execute("ANALYZE")
        await filler.close()
        timings = [
            await time_statement(hot, pid, item, rows, seconds, empty[item.name]) for item in HOT
        ]
        await hot.close()
        return timings
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        await admin.close()


async def make_template(pg: str) -> str:
    """A database with b2a's schema, applied by b2a's own migrations."""
    from b2a.db.engine import bind_engine, close_pool, create_engine, start_pool
    from b2a.schema.migrate import apply_pending
    from b2a.schema.tables import all_tables
    from b2a.settings import load_settings

    name = f"b2a_bench_plans_{time.time_ns()}"
    admin = await asyncpg.connect(f"{pg}/postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = f"{pg}/{name}"
    engine = create_engine(load_settings({"B2A_DB_URL": url}).db)
    bind_engine(engine, all_tables())
    await start_pool(engine)
    try:
        await apply_pending()
    finally:
        await close_pool(engine)
    return url


async def main() -> None:
    """Every scenario in turn; a table per scenario."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=1.0, help="per statement")
    parser.add_argument("--only", choices=list(SCENARIOS), action="append")
    options = parser.parse_args()
    template = await make_template(options.pg)
    try:
        for name in options.only or SCENARIOS:
            print(f"\n## {name} ({options.rows} customers)\n")
            print(
                "| statement | plan made while empty | plan after the fill | generic "
                "| ms per run | server CPU ms per run |"
            )
            print("|---|---|---|---|---|---|")
            for t in await run_scenario(template, name, options.rows, options.seconds):
                print(
                    f"| {t.name} | {t.empty_plan} | {t.plan} | {'yes' if t.generic else 'no'} "
                    f"| {t.wall_ms:.3f} | {t.cpu_ms:.3f} |"
                )
    finally:
        admin = await asyncpg.connect(f"{options.pg}/postgres")
        name = template.rsplit("/", 1)[1]
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
