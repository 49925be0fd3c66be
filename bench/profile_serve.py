"""Where ``b2a serve``'s CPU goes when it takes webhooks: its intake under cProfile.

    .venv/bin/python -m bench.profile_serve --messages 3000
    .venv/bin/python -m bench.profile_serve --no-profile   # CPU per webhook, unprofiled

Starts the fake Graph API and ``b2a serve`` (under cProfile, in its own process,
as systemd runs it) with no worker, posts signed Cloud API webhooks from new
customers at ``--rate`` and prints the server's CPU time per webhook (from
/proc, so the driver's own work is not counted) and the share of each library.
"""

from __future__ import annotations

import argparse
import pstats
import signal
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from b2a.lib import aio
from bench import harness

LIBRARIES = (
    "litestar",
    "uvicorn",
    "piccolo",
    "saq",
    "asyncpg",
    "redis",
    "msgspec",
    "h11",
    "httptools",
    "b2a",
    "asyncio",
)


def _library(filename: str) -> str:
    return next((name for name in LIBRARIES if f"/{name}/" in filename), "other")


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        profile = Path(args.save or Path(scratch) / "serve.prof")
        async with harness.scratch(args.pg_admin_url, args.redis_url, "b2a_profile_serve") as (
            db_url,
            home,
        ):
            env = harness.base_env(home, db_url, args.redis_url)
            with harness.running_stack(env, home / "logs") as stack:
                stack.start_graph()
                _, channel_id = await harness.prepare_tenant(env, stack.graph_url)
                profiler = [] if args.no_profile else ["-m", "cProfile", "-o", str(profile)]
                stack.start("serve", command="serve", interpreter_args=profiler)
                pid = stack.processes["serve"].pid
                warm = await harness.drive(stack.base_url, channel_id, rate=args.rate, count=200)
                before = harness.cpu_seconds(pid)
                began = time.perf_counter()
                driven = await harness.drive(
                    stack.base_url,
                    channel_id,
                    rate=args.rate,
                    count=args.messages,
                    first_phone=930_000_000_000,
                )
                took = time.perf_counter() - began
                cpu = harness.cpu_seconds(pid) - before
                process = stack.processes.pop("serve")
                process.send_signal(signal.SIGINT)  # uvicorn stops; cProfile writes its file
                process.wait(60)
        accepted = len(driven.posted_at)
        print(
            f"{accepted} of {args.messages} webhooks accepted in {took:.1f} s "
            f"({accepted / took:.0f}/s, {driven.rejected + warm.rejected} refused); "
            f"serve CPU {cpu * 1000 / max(accepted, 1):.2f} ms per webhook"
            + (" (without the profiler)" if args.no_profile else " (under cProfile)")
        )
        if args.no_profile:
            return
        stats = pstats.Stats(str(profile))
        shares: dict[str, float] = defaultdict(float)
        for (filename, _, _), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
            shares[_library(filename)] += tottime
        total = sum(shares.values())
        for library, seconds in sorted(shares.items(), key=lambda item: -item[1]):
            print(f"  {library:10} {seconds / total:6.1%}")
        stats.sort_stats("tottime").print_stats(args.top)
        stats.sort_stats("cumulative").print_stats(args.top)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--rate", type=float, default=300.0, help="webhooks per second")
    parser.add_argument("--save", default="", help="keep the profile in this file (pstats)")
    parser.add_argument("--top", type=int, default=30, help="functions listed per ordering")
    parser.add_argument(
        "--no-profile", action="store_true", help="measure CPU per webhook without cProfile"
    )
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/10")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(aio.run(main(parse_args())))
