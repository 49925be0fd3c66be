"""Where a worker's CPU goes: drain a backlog of webhooks under cProfile.

    .venv/bin/python -m bench.profile_worker --messages 2000
    .venv/bin/python -m bench.profile_worker --assistant --messages 500 --statements

Queues the messages through ``b2a serve`` with no worker running, then runs one
worker in this process under cProfile until every message is stored and
answered, and prints CPU time per message and the share of each library.
With ``--assistant`` the tenant's offline assistant answers each message (its
``assistant_reply`` job, as ``bench.pipeline --assistant`` runs it), and the
drain waits for every reply. The messages are then spread over enough tenants
(``--tenants``) that none passes its burst limit of 20 turns a minute
(``assistant.governance``): one tenant's backlog would be refused after its
first 20, and the profile would show refusals rather than answers.
``--statements`` counts the worker's database round trips per message and
prints the most frequent statements.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import math
import pstats
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg

from b2a.assistant.governance import BURST_PER_MINUTE
from b2a.lib import aio
from bench import harness


def _package(filename: str) -> str:
    for name in ("piccolo", "saq", "asyncpg", "redis", "httpx", "httpcore", "b2a", "asyncio"):
        if f"/{name}/" in filename:
            return name
    return "other"


@contextmanager
def counting_statements() -> Iterator[Counter[str]]:
    """Every statement this process sends to PostgreSQL, counted by its text.

    A probe on the driver (asyncpg, not our code), only for this measurement:
    ``Connection._execute`` carries every statement with parameters, and
    ``execute`` without them carries BEGIN, COMMIT and the like. Statements of
    the task that enters it (the drain's polling) are not counted.
    """
    counts: Counter[str] = Counter()
    mine = asyncio.current_task()
    execute, execute_args = asyncpg.Connection.execute, asyncpg.Connection._execute

    async def plain(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        if not args and asyncio.current_task() is not mine:
            counts[" ".join(query.split())] += 1
        return await execute(self, query, *args, **kwargs)

    async def with_args(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        if asyncio.current_task() is not mine:
            counts[" ".join(query.split())] += 1
        return await execute_args(self, query, *args, **kwargs)

    asyncpg.Connection.execute, asyncpg.Connection._execute = plain, with_args  # type: ignore[method-assign]
    try:
        yield counts
    finally:
        asyncpg.Connection.execute, asyncpg.Connection._execute = execute, execute_args  # type: ignore[method-assign]


async def _drain(env: dict[str, str], db_url: str, count: int, *, assistant: bool) -> float:
    from b2a.lib import queue as job_queue
    from b2a.settings import load_settings
    from b2a.worker.settings import create_worker

    worker = create_worker(load_settings(env))
    await worker.queue.connect()
    job_queue.install(worker.queue)
    task = asyncio.create_task(worker.start())
    started = time.perf_counter()
    await harness.settle(db_url, expected=count, timeout=600, replies=count if assistant else None)
    took = time.perf_counter() - started
    worker.event.set()
    await task
    await worker.queue.disconnect()
    return took


async def _outcomes(db_url: str) -> dict[str, int]:
    """How the assistant's turns ended (the usage log), by outcome."""
    from b2a.db.engine import asyncpg_dsn

    connection = await asyncpg.connect(asyncpg_dsn(db_url))
    try:
        rows = await connection.fetch(
            "SELECT outcome, count(*) AS n FROM ai_usage GROUP BY 1 ORDER BY 2 DESC"
        )
    finally:
        await connection.close()
    return {row["outcome"]: row["n"] for row in rows}


def _print_statements(counts: Counter[str], messages: int) -> None:
    total = sum(counts.values())
    print(
        f"\n{total / messages:.1f} statements per message ({len(counts)} distinct); the most sent:"
    )
    for text, n in counts.most_common(60):
        print(f"  {n / messages:5.2f}  {text[:150]}")


async def main(args: argparse.Namespace) -> None:
    profiler = cProfile.Profile()
    async with harness.scratch(args.pg_admin_url, args.redis_url, "b2a_profile") as (db_url, home):
        env = harness.base_env(home, db_url, args.redis_url)
        with harness.running_stack(env, home / "logs") as stack:
            stack.start_graph()
            tenants = args.tenants or (
                math.ceil(args.messages / BURST_PER_MINUTE) if args.assistant else 1
            )
            businesses = await harness.prepare_businesses(
                env, stack.graph_url, tenants, assistant=args.assistant
            )
            stack.start("serve")
            await harness.drive_spread(
                stack.base_url,
                businesses,
                rate=500,
                count=args.messages,
                first_phone=920_000_000_000,
            )
            env["B2A_WHATSAPP_GRAPH_URL"] = stack.graph_url
            with counting_statements() if args.statements else _nothing() as counts:
                if not args.no_profile:
                    profiler.enable()
                cpu = time.process_time()
                took = await _drain(env, db_url, args.messages, assistant=args.assistant)
                cpu = time.process_time() - cpu
                profiler.disable()
            outcomes = await _outcomes(db_url)
    print(
        f"{args.messages} messages in {took:.1f} s ({args.messages / took:.0f} msg/s); "
        f"worker CPU {cpu * 1000 / args.messages:.1f} ms per message"
        + (" with the assistant" if args.assistant else "")
        + (" (without the profiler)" if args.no_profile else " (under cProfile)")
    )
    if outcomes:
        print("turns: " + ", ".join(f"{n} {outcome}" for outcome, n in outcomes.items()))
    if counts is not None:
        _print_statements(counts, args.messages)
    if args.no_profile:
        return
    stats = pstats.Stats(profiler)
    if args.dump:
        stats.dump_stats(args.dump)
    shares: dict[str, float] = defaultdict(float)
    for (filename, _, _), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        shares[_package(filename)] += tottime
    total = sum(shares.values())
    for package, seconds in sorted(shares.items(), key=lambda item: -item[1]):
        print(f"  {package:10} {seconds / total:6.1%}")
    stats.sort_stats("tottime").print_stats(args.top)
    if args.cumulative:
        stats.sort_stats("cumulative").print_stats(args.cumulative, args.top)


@contextmanager
def _nothing() -> Iterator[None]:
    yield None


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument(
        "--assistant", action="store_true", help="the tenant's offline assistant answers each one"
    )
    parser.add_argument(
        "--tenants",
        type=int,
        default=0,
        help="tenants the messages are spread over (default: 1, or with --assistant one per 20)",
    )
    parser.add_argument(
        "--statements", action="store_true", help="count the SQL statements sent per message"
    )
    parser.add_argument(
        "--no-profile", action="store_true", help="measure CPU per message without cProfile"
    )
    parser.add_argument("--top", type=int, default=15, help="functions listed by own time")
    parser.add_argument(
        "--cumulative", metavar="PATTERN", help="also list functions matching it by cumulative time"
    )
    parser.add_argument("--dump", metavar="FILE", help="also write the profile to FILE (pstats)")
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/10")
    return parser.parse_args()


if __name__ == "__main__":
    aio.run(main(parse_args()))  # the loop `b2a worker` runs on
