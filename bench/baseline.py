"""The floor under the pipeline: its database writes and Redis operations, drivers alone.

For each message this does what ``b2a serve`` and ``b2a worker`` do for one
inbound text from a new customer answered by a greeting, statement for
statement, with asyncpg and redis-py and nothing else: no HTTP, no ORM, no SAQ,
no JSON payload parsing. Dividing our throughput by this one says how much the
framework layers cost.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import asyncpg
from redis.asyncio import Redis

from b2a.db.engine import asyncpg_dsn


async def run_baseline(
    db_url: str, redis_url: str, *, tenant_id: str, channel_id: str, count: int, concurrency: int
) -> float:
    """Process ``count`` messages with ``concurrency`` tasks; messages per second."""
    pool = await asyncpg.create_pool(
        asyncpg_dsn(db_url), min_size=concurrency, max_size=concurrency
    )
    redis = Redis.from_url(redis_url)
    tenant, channel = uuid.UUID(tenant_id), uuid.UUID(channel_id)
    numbers = iter(range(count))
    try:

        async def work() -> None:
            for n in numbers:
                await _one_message(pool, redis, tenant, channel, str(990_000_000_000 + n))

        started = time.perf_counter()
        await asyncio.gather(*(work() for _ in range(concurrency)))
        return count / (time.perf_counter() - started)
    finally:
        await pool.close()
        await redis.aclose()


async def _enqueue(redis: Any, key: str) -> None:
    async with redis.pipeline(transaction=True) as pipe:
        await pipe.set(f"bench:job:{key}", "x" * 400).rpush("bench:queued", key).execute()


async def _dequeue(redis: Any) -> None:
    key = await redis.lmove("bench:queued", "bench:active", "LEFT", "RIGHT")
    await redis.get(f"bench:job:{key.decode()}")
    await redis.set(f"bench:job:{key.decode()}", "y" * 400)


async def _finish(redis: Any, key: str) -> None:
    async with redis.pipeline(transaction=True) as pipe:
        await pipe.set(f"bench:job:{key}", "z" * 400, ex=600).lrem("bench:active", 1, key).execute()


async def _one_message(
    pool: Any, redis: Any, tenant: uuid.UUID, channel: uuid.UUID, phone: str
) -> None:
    wamid = f"wamid.base.{phone}"
    payload = json.dumps({"from": phone, "id": wamid, "text": "price kya hai?"})
    # The webhook: find the channel, persist the event, enqueue it.
    async with pool.acquire() as db:
        await db.fetchrow("SELECT id, tenant, credentials FROM channel WHERE id = $1", channel)
        event = await db.fetchval(
            "INSERT INTO inbound_event (tenant, channel, source, dedupe_key, payload)"
            " VALUES ($1, $2, 'cloud', $3, $4) RETURNING id",
            tenant,
            channel,
            wamid,
            payload,
        )
    await _enqueue(redis, f"in:{event}")
    # The worker: store customer, identities, conversation, message; then the greeting.
    await _dequeue(redis)
    async with pool.acquire() as db:
        await db.fetchrow("SELECT payload FROM inbound_event WHERE id = $1", event)
        await db.fetchrow(
            "SELECT customer FROM customer_identity WHERE tenant = $1 AND kind = 'wa_id'"
            " AND value = $2",
            tenant,
            phone,
        )
        customer = await db.fetchval(
            "INSERT INTO customer (tenant, name, phone) VALUES ($1, 'C', $2) RETURNING id",
            tenant,
            phone,
        )
        for kind in ("wa_id", "phone"):
            await db.execute(
                "INSERT INTO customer_identity (tenant, customer, kind, value)"
                " VALUES ($1, $2, $3, $4)",
                tenant,
                customer,
                kind,
                phone,
            )
        await db.fetchrow(
            "SELECT id FROM conversation WHERE tenant = $1 AND channel = $2 AND customer = $3",
            tenant,
            channel,
            customer,
        )
        conversation = await db.fetchval(
            "INSERT INTO conversation (tenant, channel, customer) VALUES ($1, $2, $3) RETURNING id",
            tenant,
            channel,
            customer,
        )
        await db.fetchrow(
            "SELECT id FROM message WHERE tenant = $1 AND wa_message_id = $2", tenant, wamid
        )
        inbound = await db.fetchval(
            "INSERT INTO message (tenant, conversation, direction, text, wa_message_id)"
            " VALUES ($1, $2, 'INBOUND', 'price kya hai?', $3) RETURNING id",
            tenant,
            conversation,
            wamid,
        )
        await db.execute(
            "UPDATE conversation SET last_message_at = now(), unread_count = unread_count + 1,"
            " window_expires_at = now() + interval '1 day' WHERE id = $1",
            conversation,
        )
        await db.execute("UPDATE inbound_event SET processed_at = now() WHERE id = $1", event)
        await db.execute(
            "UPDATE message SET replied_at = now() WHERE id = $1 AND replied_at IS NULL", inbound
        )
        await db.fetchrow("SELECT greeting_message, time_zone FROM tenant WHERE id = $1", tenant)
        await db.fetch("SELECT weekday FROM working_hours WHERE tenant = $1", tenant)
        outbound = await db.fetchval(
            "INSERT INTO message (tenant, conversation, direction, author, text, state)"
            " VALUES ($1, $2, 'OUTBOUND', 'SYSTEM', 'Hello', 'QUEUED') RETURNING id",
            tenant,
            conversation,
        )
        await db.execute(
            "UPDATE conversation SET last_message_preview = 'Hello' WHERE id = $1", conversation
        )
    await _enqueue(redis, f"send:{outbound}")
    await _finish(redis, f"in:{event}")
    # The send job: load, pace, claim, record the result.
    await _dequeue(redis)
    async with pool.acquire() as db:
        await db.fetchrow("SELECT * FROM message WHERE id = $1", outbound)
        await db.fetchrow("SELECT * FROM conversation WHERE id = $1", conversation)
        await db.fetchrow("SELECT * FROM channel WHERE id = $1", channel)
        await db.fetchrow(
            "SELECT value FROM customer_identity WHERE customer = $1 AND kind = 'wa_id'", customer
        )
        await redis.zadd(f"bench:rate:{phone}", {str(outbound): time.time()})
        await db.fetchval(
            "UPDATE message SET state = 'SENDING', attempts = attempts + 1 WHERE id = $1"
            " AND state = 'QUEUED' RETURNING attempts",
            outbound,
        )
        await db.execute(
            "UPDATE message SET state = 'SENT', wa_message_id = $2 WHERE id = $1",
            outbound,
            f"wamid.out.{phone}",
        )
        await db.execute(
            "UPDATE scheduled_message SET status = 'SENT' WHERE message = $1", outbound
        )
    await _finish(redis, f"send:{outbound}")
