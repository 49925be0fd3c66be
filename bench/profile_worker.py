"""Where a worker's CPU goes: drain a backlog of webhooks under cProfile.

    .venv/bin/python -m bench.profile_worker --messages 2000

Queues the messages through ``b2a serve`` with no worker running, then runs one
worker in this process under cProfile until every message is stored and
answered, and prints CPU time per message and the share of each library.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import time
from collections import defaultdict

from b2a.lib import aio
from bench import harness


def _package(filename: str) -> str:
    for name in ("piccolo", "saq", "asyncpg", "redis", "httpx", "httpcore", "b2a", "asyncio"):
        if f"/{name}/" in filename:
            return name
    return "other"


async def _drain(env: dict[str, str], db_url: str, count: int) -> float:
    from b2a.lib import queue as job_queue
    from b2a.settings import load_settings
    from b2a.worker.settings import create_worker

    worker = create_worker(load_settings(env))
    await worker.queue.connect()
    job_queue.install(worker.queue)
    task = asyncio.create_task(worker.start())
    started = time.perf_counter()
    await harness.settle(db_url, expected=count, timeout=600)
    took = time.perf_counter() - started
    worker.event.set()
    await task
    await worker.queue.disconnect()
    return took


async def main(args: argparse.Namespace) -> None:
    profiler = cProfile.Profile()
    async with harness.scratch(args.pg_admin_url, args.redis_url, "b2a_profile") as (db_url, home):
        env = harness.base_env(home, db_url, args.redis_url)
        with harness.running_stack(env, home / "logs") as stack:
            stack.start_graph()
            _, channel_id = await harness.prepare_tenant(env, stack.graph_url)
            stack.start("serve")
            await harness.drive(stack.base_url, channel_id, rate=500, count=args.messages)
            env["B2A_WHATSAPP_GRAPH_URL"] = stack.graph_url
            if not args.no_profile:
                profiler.enable()
            cpu = time.process_time()
            took = await _drain(env, db_url, args.messages)
            cpu = time.process_time() - cpu
            profiler.disable()
    print(
        f"{args.messages} messages in {took:.1f} s ({args.messages / took:.0f} msg/s); "
        f"worker CPU {cpu * 1000 / args.messages:.1f} ms per message"
        + (" (without the profiler)" if args.no_profile else " (under cProfile)")
    )
    if args.no_profile:
        return
    if args.save:
        profiler.dump_stats(args.save)
    stats = pstats.Stats(profiler)
    shares: dict[str, float] = defaultdict(float)
    for (filename, _, _), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        shares[_package(filename)] += tottime
    total = sum(shares.values())
    for package, seconds in sorted(shares.items(), key=lambda item: -item[1]):
        print(f"  {package:10} {seconds / total:6.1%}")
    stats.sort_stats("tottime").print_stats(15)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument(
        "--no-profile", action="store_true", help="measure CPU per message without cProfile"
    )
    parser.add_argument("--save", metavar="FILE", help="also write the profile (pstats) to FILE")
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/10")
    return parser.parse_args()


if __name__ == "__main__":
    aio.run(main(parse_args()))  # the loop `b2a worker` runs on
