"""The floor under the pipeline: its database writes and Redis operations, drivers alone.

For each message this does what ``b2a serve`` and ``b2a worker`` do for one
inbound text from a new customer answered by a greeting, statement for
statement (the same SQL, the same transactions) and Redis round trip for round
trip, with asyncpg and redis-py and nothing else: no HTTP, no ORM, no SAQ, no
JSON payload parsing. Dividing our throughput by this one says how much the
framework layers cost. Keep it in step with the pipeline when its statements
change, or the ratio flatters one side.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from redis.asyncio import Redis

from b2a.db.engine import asyncpg_dsn


async def run_baseline(
    db_url: str, redis_url: str, *, tenant_id: str, channel_id: str, count: int, concurrency: int
) -> float:
    """Process ``count`` messages with ``concurrency`` tasks; messages per second."""
    pool = await asyncpg.create_pool(asyncpg_dsn(db_url), min_size=1, max_size=concurrency)
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
    now = datetime.now(UTC)
    # The webhook: find the channel, persist the event, enqueue it.
    async with pool.acquire() as db:
        await db.fetchrow(
            "SELECT id, tenant, phone_number_id, credentials FROM channel"
            " WHERE id = $1 AND transport = 'cloud' AND state <> 'DISCONNECTED'",
            channel,
        )
        event = await db.fetchval(
            "INSERT INTO inbound_event (id, created_at, tenant, channel, source, dedupe_key,"
            " payload) VALUES ($1, $2, $3, $4, 'cloud', $5, $6)"
            " ON CONFLICT (tenant, dedupe_key) DO NOTHING RETURNING id",
            uuid.uuid4(),
            now,
            tenant,
            channel,
            wamid,
            payload,
        )
    await _enqueue(redis, f"in:{event}")
    # The worker: one transaction stores customer, identities, conversation, message.
    await _dequeue(redis)
    async with pool.acquire() as db, db.transaction():
        await db.fetchrow(
            "UPDATE inbound_event SET processed_at = $2 WHERE tenant = $1 AND id = $3"
            " RETURNING payload, channel",
            tenant,
            now,
            event,
        )
        await db.fetch(
            "SELECT kind, value, customer FROM customer_identity WHERE tenant = $1"
            " AND ((kind = 'phone' AND value = $2) OR (kind = 'wa_id' AND value = $2))",
            tenant,
            phone,
        )
        customer = uuid.uuid4()
        await db.execute(
            "INSERT INTO customer (id, created_at, tenant, name, phone)"
            " VALUES ($1, $2, $3, 'C', $4)",
            customer,
            now,
            tenant,
            phone,
        )
        await db.fetch(
            "INSERT INTO customer_identity (id, created_at, tenant, customer, kind, value)"
            " VALUES ($1, $3, $4, $5, 'phone', $6), ($2, $3, $4, $5, 'wa_id', $6)"
            " ON CONFLICT (tenant, kind, value) DO NOTHING RETURNING kind, value",
            uuid.uuid4(),
            uuid.uuid4(),
            now,
            tenant,
            customer,
            phone,
        )
        conversation = await db.fetchval(
            "INSERT INTO conversation (id, created_at, tenant, channel, customer)"
            " VALUES ($1, $2, $3, $4, $5)"
            " ON CONFLICT (tenant, channel, customer) DO NOTHING RETURNING id",
            uuid.uuid4(),
            now,
            tenant,
            channel,
            customer,
        )
        inbound = await db.fetchval(
            "INSERT INTO message (id, created_at, tenant, conversation, direction, text,"
            " wa_message_id) VALUES ($1, $2, $3, $4, 'INBOUND', 'price kya hai?', $5)"
            " ON CONFLICT (tenant, wa_message_id) DO NOTHING RETURNING id",
            uuid.uuid4(),
            now,
            tenant,
            conversation,
            wamid,
        )
        await db.fetchrow(
            "UPDATE conversation SET last_message_at = $2, unread_count = unread_count + 1,"
            " window_expires_at = $3 WHERE tenant = $1 AND id = $4"
            " RETURNING owner, window_expires_at",
            tenant,
            now,
            now + timedelta(days=1),
            conversation,
        )
    await redis.publish("bench:events", "message.created")
    # The reply step: claim, read the greeting and the assistant's switch, store the greeting.
    async with pool.acquire() as db, db.transaction():
        await db.fetchval(
            "UPDATE message SET replied_at = $2 WHERE tenant = $1 AND id = $3"
            " AND replied_at IS NULL RETURNING id",
            tenant,
            now,
            inbound,
        )
        await db.fetchrow(
            "SELECT c.owner, ch.transport, t.greeting_message, t.away_message,"
            " t.time_zone, a.enabled FROM conversation c JOIN tenant t ON t.id = c.tenant"
            " JOIN channel ch ON ch.id = c.channel"
            " LEFT JOIN assistant_config a ON a.tenant = c.tenant"
            " WHERE c.tenant = $1 AND c.id = $2",
            tenant,
            conversation,
        )
        outbound = uuid.uuid4()
        await db.execute(
            "INSERT INTO message (id, created_at, tenant, conversation, direction, author,"
            " text, state, state_changed_at)"
            " VALUES ($1, $2, $3, $4, 'OUTBOUND', 'SYSTEM', 'Hello', 'QUEUED', $2)",
            outbound,
            now,
            tenant,
            conversation,
        )
        await db.execute(
            "UPDATE conversation SET last_message_at = $2, last_message_preview = 'Hello'"
            " WHERE tenant = $1 AND id = $3",
            tenant,
            now,
            conversation,
        )
    await _enqueue(redis, f"send:{outbound}")
    await _finish(redis, f"in:{event}")
    # The send job: one read, pace, claim, record the result.
    await _dequeue(redis)
    async with pool.acquire() as db:
        await db.fetchrow(
            "SELECT m.id, m.state, m.text, ch.transport, ch.credentials,"
            " COALESCE((SELECT i.value FROM customer_identity i WHERE i.tenant = m.tenant"
            " AND i.customer = c.customer AND i.kind = 'wa_id' LIMIT 1), cu.phone),"
            " EXISTS (SELECT 1 FROM scheduled_message s WHERE s.tenant = m.tenant"
            " AND s.message = m.id)"
            " FROM message m JOIN conversation c ON c.id = m.conversation"
            " JOIN channel ch ON ch.id = c.channel JOIN customer cu ON cu.id = c.customer"
            " WHERE m.tenant = $1 AND m.id = $2",
            tenant,
            outbound,
        )
        await redis.zadd(f"bench:rate:{phone}", {str(outbound): time.time()})
        await db.fetchval(
            "UPDATE message SET state = 'SENDING', attempts = attempts + 1,"
            " state_changed_at = $2 WHERE tenant = $1 AND id = $3 AND state = 'QUEUED'"
            " RETURNING attempts",
            tenant,
            now,
            outbound,
        )
        await db.execute(
            "UPDATE message SET state = 'SENT', wa_message_id = $2, state_changed_at = $3"
            " WHERE tenant = $1 AND id = $4 AND state = 'SENDING'",
            tenant,
            f"wamid.out.{phone}",
            now,
            outbound,
        )
    await redis.publish("bench:events", "message.status")
    await _finish(redis, f"send:{outbound}")
