"""The physical limit: the least work a message must cost on this machine.

A message has to be stored when it arrives and answered over HTTP. The least
that can do it is, per batch of ``batch`` messages, one multi-row statement in
one transaction writing each message's ``inbound_event`` (already processed),
its inbound ``message`` row and its outbound reply (already sent), all into
the benchmark's real tables (indexes, constraints and all), and then one POST
per reply to the fake Graph API with our httpx client factory, as soon as its
batch is stored, ``concurrency`` at once as the worker runs jobs. No customer,
conversation, job queue, live event or ORM: every message goes to one
conversation made up front. Nothing of
ours can be faster, so our throughput divided by this one says how close to
the machine we are (issue 18 asks for at least half).

The database and HTTP parts are also measured alone, since either may bound the
whole: httpx's client CPU per request is the usual suspect on a small machine.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx

from b2a.db.engine import asyncpg_dsn
from b2a.lib.http import create_client
from bench import harness

# One statement: the batch's events and both message rows of each, in one round trip.
_INSERT_BATCH = """
WITH events AS (
    INSERT INTO inbound_event (id, created_at, tenant, channel, source, dedupe_key, payload,
                               processed_at, outcome)
    SELECT e, $1, $2, $3, 'cloud', w, p::json, $1, 'stored'
    FROM unnest($4::uuid[], $5::text[], $6::text[]) AS t(e, w, p)
)
INSERT INTO message (id, created_at, tenant, conversation, direction, author, text,
                     wa_message_id, state, replied_at, state_changed_at)
SELECT m, $1, $2, $7, d, a, x, w, s, r, $1
FROM unnest($8::uuid[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[],
            $14::timestamptz[]) AS t(m, d, a, x, w, s, r)
"""

# The webhook as Meta sends it, stored whole; made once, since making it is the driver's work.
_PAYLOAD = harness.webhook("PHONE", "wamid.physical.PHONE", 0)[0].decode()


@dataclass
class Physical:
    """The physical-limit run: the whole and each part alone, per second and in CPU."""

    messages: int
    batch: int
    concurrency: int
    msg_per_s: float
    cpu_ms: dict[str, float]
    """CPU per message of this (the baseline's) process, PostgreSQL's backends, the fake."""
    db_msg_per_s: float
    db_cpu_ms: dict[str, float]
    http_posts_per_s: float
    http_cpu_ms: dict[str, float]
    """CPU per POST of this process (httpx) and of the fake Graph API."""


@dataclass
class _Target:
    pool: Any
    http: httpx.AsyncClient
    graph_url: str
    graph_pid: int
    tenant: uuid.UUID
    channel: uuid.UUID
    conversation: uuid.UUID


async def run_physical(
    db_url: str,
    graph_url: str,
    graph_pid: int,
    *,
    tenant_id: str,
    channel_id: str,
    count: int,
    batch: int,
    concurrency: int,
) -> Physical:
    """Store and answer ``count`` messages the cheapest way: each part alone, then both."""
    pool = await asyncpg.create_pool(
        asyncpg_dsn(db_url), min_size=concurrency, max_size=concurrency
    )
    http = create_client()
    try:
        tenant, channel = uuid.UUID(tenant_id), uuid.UUID(channel_id)
        target = _Target(
            pool,
            http,
            graph_url,
            graph_pid,
            tenant,
            channel,
            await _conversation(pool, tenant, channel),
        )
        db_rate, db_cpu = await _measure(
            target, count, ("postgres",), _store_all(target, "db", count, batch, concurrency)
        )
        http_rate, http_cpu = await _measure(
            target, count, ("graph",), _send_all(target, "http", count, concurrency)
        )
        rate, cpu = await _measure(
            target,
            count,
            ("postgres", "graph"),
            _answer_all(target, "all", count, batch, concurrency),
        )
    finally:
        await http.aclose()
        await pool.close()
    return Physical(
        messages=count,
        batch=batch,
        concurrency=concurrency,
        msg_per_s=rate,
        cpu_ms=cpu,
        db_msg_per_s=db_rate,
        db_cpu_ms=db_cpu,
        http_posts_per_s=http_rate,
        http_cpu_ms=http_cpu,
    )


async def _conversation(pool: Any, tenant: uuid.UUID, channel: uuid.UUID) -> uuid.UUID:
    """One customer and their conversation, which every message of the run belongs to."""
    customer, conversation, now = uuid.uuid4(), uuid.uuid4(), datetime.now(UTC)
    async with pool.acquire() as db, db.transaction():
        await db.execute(
            "INSERT INTO customer (id, created_at, tenant, name, phone)"
            " VALUES ($1, $2, $3, 'Physical', '980000000000')",
            customer,
            now,
            tenant,
        )
        await db.execute(
            "INSERT INTO conversation (id, created_at, tenant, channel, customer)"
            " VALUES ($1, $2, $3, $4, $5)",
            conversation,
            now,
            tenant,
            channel,
            customer,
        )
    return conversation


async def _measure(
    target: _Target, count: int, servers: tuple[str, ...], run: Awaitable[None]
) -> tuple[float, dict[str, float]]:
    """Per second, and CPU per message (ms) of this process and the ``servers`` it uses."""
    known = {"postgres": await _backends(target.pool), "graph": [target.graph_pid]}
    pids = {name: known[name] for name in servers}
    before = {name: sum(harness.cpu_seconds(p) for p in group) for name, group in pids.items()}
    process_before = time.process_time()
    started = time.perf_counter()
    await run
    elapsed = time.perf_counter() - started
    cpu = {"baseline": (time.process_time() - process_before) * 1000 / count}
    for name, group in pids.items():
        cpu[name] = (sum(harness.cpu_seconds(p) for p in group) - before[name]) * 1000 / count
    return count / elapsed, cpu


async def _backends(pool: Any) -> list[int]:
    """The server processes of the pool's connections (all open: min_size is max_size)."""
    pids = []
    holders = [await pool.acquire() for _ in range(pool.get_max_size())]
    try:
        for db in holders:
            pids.append(int(await db.fetchval("SELECT pg_backend_pid()")))
    finally:
        for db in holders:
            await pool.release(db)
    return pids


def _phone(run: str, n: int) -> str:
    return f"98{'dha'.index(run[0]) + 1}{n:09d}"


async def _store_all(
    target: _Target,
    run: str,
    count: int,
    batch: int,
    concurrency: int,
    stored: asyncio.Queue[str | None] | None = None,
) -> None:
    """``concurrency`` tasks, each storing a batch at a time; each stored phone to ``stored``."""
    starts = iter(range(0, count, batch))

    async def work() -> None:
        for first in starts:
            phones = [_phone(run, n) for n in range(first, min(first + batch, count))]
            await _store(target, phones)
            if stored is not None:
                for phone in phones:
                    stored.put_nowait(phone)

    await asyncio.gather(*(work() for _ in range(concurrency)))


async def _answer_all(target: _Target, run: str, count: int, batch: int, concurrency: int) -> None:
    """Store batches as above while ``concurrency`` senders answer each stored message."""
    stored: asyncio.Queue[str | None] = asyncio.Queue()
    senders = [asyncio.create_task(_sender(target, stored)) for _ in range(concurrency)]
    await _store_all(target, run, count, batch, concurrency, stored)
    for _ in senders:
        stored.put_nowait(None)
    await asyncio.gather(*senders)


async def _send_all(target: _Target, run: str, count: int, concurrency: int) -> None:
    """``count`` replies over HTTP alone, ``concurrency`` at once."""
    phones: asyncio.Queue[str | None] = asyncio.Queue()
    for n in range(count):
        phones.put_nowait(_phone(run, n))
    for _ in range(concurrency):
        phones.put_nowait(None)
    await asyncio.gather(*(_sender(target, phones) for _ in range(concurrency)))


async def _sender(target: _Target, phones: asyncio.Queue[str | None]) -> None:
    """Post a reply to each phone taken from ``phones`` until a ``None``."""
    while (phone := await phones.get()) is not None:
        await _post(target, phone)


async def _store(target: _Target, phones: list[str]) -> None:
    now = datetime.now(UTC)
    wamids = [f"wamid.physical.{p}" for p in phones]
    payloads = [_PAYLOAD.replace("PHONE", p) for p in phones]
    size = len(phones)
    async with target.pool.acquire() as db:
        await db.execute(
            _INSERT_BATCH,
            now,
            target.tenant,
            target.channel,
            [uuid.uuid4() for _ in phones],
            wamids,
            payloads,
            target.conversation,
            [uuid.uuid4() for _ in range(2 * size)],
            ["INBOUND"] * size + ["OUTBOUND"] * size,
            ["CUSTOMER"] * size + ["SYSTEM"] * size,
            ["price kya hai?"] * size + [harness.GREETING] * size,
            wamids + [None] * size,
            ["RECEIVED"] * size + ["SENT"] * size,
            [now] * size + [None] * size,
        )


async def _post(target: _Target, phone: str) -> str:
    """One text send as ``CloudApiTransport.send`` makes it; the ``wamid`` Graph gave."""
    response = await target.http.post(
        f"{target.graph_url}/v21.0/PNID-BENCH/messages",
        headers={"Authorization": f"Bearer {harness.GRAPH_TOKEN}"},
        json={
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": phone,
            "type": "text",
            "text": {"body": harness.GREETING, "preview_url": False},
        },
    )
    response.raise_for_status()
    return str(response.json()["messages"][0]["id"])
