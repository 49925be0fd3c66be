"""Storing accepted events alone: one transaction per event against ``store_batch``.

    .venv/bin/python -m bench.storing --messages 2000 single batch single batch
    .venv/bin/python -m bench.storing --varied batch    # batches of 1, 2, …, 20 events

Accepts the messages (each from a new customer) into a fresh PostgreSQL
database, runs ANALYZE, then stores them 20 at a time either one transaction
per event (20 concurrent ``store_inbound`` calls, as 20 job slots did) or in
one ``store_batch`` call per 20, and prints this process's CPU per message,
PostgreSQL's (its backends, ``harness.ConnectionSampler``) and the rate. With
``--varied`` the batches take every size from 1 to 20 in turn, as a worker's
drain does (it averaged 4), so each size's statements are prepared.
Only storing: no queue, no reply step, no send.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from typing import Any

from b2a.lib import aio
from bench import harness

SIZE = 20


async def _accepted(scope: Any, channel_id: uuid.UUID, count: int) -> list[uuid.UUID]:
    from b2a.inbox import service as inbox
    from b2a.inbox.rules import Transport
    from b2a.lib import clock
    from b2a.whatsapp.inbound import Identity, InboundMessage

    events = []
    for n in range(count):
        phone = f"92300{n:07d}"
        identities = [Identity("wa_id", phone), Identity("phone", phone)]
        message = InboundMessage(f"wamid.{n}", identities, phone, "A", "text", "hi", clock.now())
        event = await inbox.accept_inbound(scope, channel_id, Transport.CLOUD, message)
        assert event is not None
        events.append(event)
    return events


async def _run(args: argparse.Namespace, mode: str) -> None:
    import asyncpg

    from b2a.db.engine import bind_engine, close_pool, create_engine, start_pool
    from b2a.inbox import service as inbox
    from b2a.inbox.batch import store_batch
    from b2a.schema.tables import all_tables
    from b2a.settings import load_settings
    from b2a.tenants.scope import TenantScope

    async with harness.scratch(args.pg_admin_url, args.redis_url, "b2a_storing") as (db, home):
        env = harness.base_env(home, db, args.redis_url)
        tenant_id, channel_id = await harness.prepare_tenant(env, "http://127.0.0.1:9")
        engine = create_engine(load_settings(env).db)
        bind_engine(engine, all_tables())
        await start_pool(engine, max_size=SIZE)
        scope = TenantScope(uuid.UUID(tenant_id))
        events = await _accepted(scope, uuid.UUID(channel_id), args.messages)
        admin = await asyncpg.connect(db)
        await admin.execute("ANALYZE")
        await admin.close()
        cpu, wall = time.process_time(), time.perf_counter()
        async with harness.ConnectionSampler(db) as postgres:
            for chunk in _chunks(events, args.varied):
                if mode == "single":
                    await asyncio.gather(*(inbox.store_inbound(scope, e) for e in chunk))
                else:
                    await store_batch([(scope.tenant_id, e) for e in chunk])
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        await close_pool(engine)
    load = os.getloadavg()[0]
    print(
        f"{mode:6}: {cpu * 1000 / args.messages:.2f} ms CPU per message in this process, "
        f"{postgres.cpu_seconds() * 1000 / args.messages:.2f} ms in PostgreSQL, "
        f"{args.messages / wall:.0f} msg/s (load average {load:.1f})"
    )


def _chunks(events: list[uuid.UUID], varied: bool) -> list[list[uuid.UUID]]:
    """``SIZE`` at a time, or (``varied``) 1, 2, …, ``SIZE``, 1, 2, … at a time."""
    chunks, start, size = [], 0, 1
    while start < len(events):
        step = size if varied else SIZE
        chunks.append(events[start : start + step])
        start, size = start + step, size % SIZE + 1
    return chunks


async def main(args: argparse.Namespace) -> None:
    for mode in args.modes:
        await _run(args, mode)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modes", nargs="+", choices=["single", "batch"])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--varied", action="store_true", help="batches of 1 to 20 events in turn")
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/10")
    return parser.parse_args()


if __name__ == "__main__":
    aio.run(main(parse_args()))
