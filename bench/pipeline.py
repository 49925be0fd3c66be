"""Benchmark: signed Cloud API webhooks into ``b2a serve`` + ``b2a worker`` on PostgreSQL.

Run by hand (never by the test suite), from the project root:

    .venv/bin/python -m bench.pipeline              # 1,000 msg/s target, 500 msg/s latency run
    .venv/bin/python -m bench.pipeline --seconds 5  # a quick look
    .venv/bin/python -m bench.pipeline --workers 2  # two `b2a worker` processes

It creates a throwaway PostgreSQL database and uses one Redis database (flushed),
starts the fake Graph API and the three b2a processes, and drives webhooks from
new customers of a tenant with a greeting, so each message is answered by one
send. Reported: sustained messages/s, webhook-to-send latency percentiles, lost
and duplicated counts, peak RSS per process, and a raw baseline (the same
database and Redis work with the drivers alone, ``bench/baseline.py``).
See docs/performance.md for the numbers measured on the reference machine.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections import Counter
from dataclasses import dataclass

import asyncpg
from rich.console import Console
from rich.table import Table

from bench import harness
from bench.baseline import run_baseline

console = Console(width=150)


@dataclass
class Phase:
    """One steady stream of webhooks and what came out of it."""

    name: str
    offered_rate: float
    accepted: int
    rejected: int
    answered: int
    lost: int
    duplicated: int
    throughput: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    transactions_per_message: float
    cpu_ms: dict[str, float]
    """CPU per message of each process (and PostgreSQL's backends) during the phase."""


async def _commits(db_url: str) -> int:
    connection = await asyncpg.connect(db_url.replace("postgresql+", "postgresql"))
    try:
        return int(
            await connection.fetchval(
                "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
            )
        )
    finally:
        await connection.close()


async def run_phase(
    stack: harness.Stack,
    db_url: str,
    channel_id: str,
    *,
    name: str,
    rate: float,
    seconds: float,
    first_phone: int,
) -> Phase:
    """Drive ``rate`` msg/s for ``seconds``, wait for every answer, measure."""
    count = int(rate * seconds)
    commits_before = await _commits(db_url)
    pids = stack.all_pids()
    for n, pid in enumerate(await harness.postgres_backends(db_url)):
        pids[f"pg{n}"] = pid
    cpu_before = {name: harness.cpu_seconds(pid) for name, pid in pids.items()}
    driver_before = time.process_time()
    redis_before = await harness.redis_cpu_seconds(stack.env["B2A_REDIS_URL"])
    drive = await harness.drive(
        stack.base_url, channel_id, rate=rate, count=count, first_phone=first_phone
    )
    outcome = await harness.settle(db_url, expected=count, timeout=max(120.0, seconds * 10))
    commits = await _commits(db_url) - commits_before
    cpu = _cpu_per_message(pids, cpu_before, count)
    cpu["driver"] = (time.process_time() - driver_before) * 1000 / max(count, 1)
    redis_used = await harness.redis_cpu_seconds(stack.env["B2A_REDIS_URL"]) - redis_before
    cpu["redis"] = redis_used * 1000 / max(count, 1)
    ours = set(drive.posted_at)
    sends = [s for s in harness.sends(stack.graph_url) if s["to"] in ours]
    per_phone = Counter(s["to"] for s in sends)
    first_send: dict[str, float] = {}
    for send in sends:
        first_send.setdefault(send["to"], send["at"])
    latencies = sorted((first_send[p] - drive.posted_at[p]) * 1000 for p in first_send)
    stored = {w for w, n in outcome.inbound_by_wamid.items() if n}
    lost = sum(1 for w in drive.wamids.values() if w not in stored)
    duplicated = sum(n - 1 for n in outcome.inbound_by_wamid.values() if n > 1) + sum(
        n - 1 for n in per_phone.values() if n > 1
    )
    last = max(first_send.values(), default=drive.finished)
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return Phase(
        name=name,
        offered_rate=rate,
        accepted=len(drive.posted_at),
        rejected=drive.rejected,
        answered=len(first_send),
        lost=lost,
        duplicated=duplicated,
        throughput=len(first_send) / max(last - drive.started, 1e-9),
        p50_ms=cuts[49],
        p95_ms=cuts[94],
        p99_ms=cuts[98],
        transactions_per_message=commits / max(count, 1),
        cpu_ms=cpu,
    )


def _cpu_per_message(
    pids: dict[str, int], before: dict[str, float], count: int
) -> dict[str, float]:
    """Milliseconds of CPU per message by process; PostgreSQL's backends summed as one."""
    spent: dict[str, float] = {}
    for name, pid in pids.items():
        group = "postgres" if name.startswith("pg") else name
        used = harness.cpu_seconds(pid) - before[name]
        spent[group] = spent.get(group, 0.0) + used * 1000 / max(count, 1)
    return spent


async def main(args: argparse.Namespace) -> None:
    async with harness.scratch(args.pg_admin_url, args.redis_url, "b2a_bench") as (db_url, home):
        env = harness.base_env(home, db_url, args.redis_url)
        env["B2A_WORKER_CONCURRENCY"] = str(args.concurrency)
        with harness.running_stack(env, home / "logs") as stack:
            stack.start_graph()
            tenant_id, channel_id = await harness.prepare_tenant(env, stack.graph_url)
            for process in harness.PROCESSES:
                stack.start(process)
            for n in range(2, args.workers + 1):
                stack.start(f"worker-{n}", "worker")
            console.print(f"[dim]warming up; logs in {home}/logs[/]")
            await run_phase(
                stack,
                db_url,
                channel_id,
                name="warm-up",
                rate=100,
                seconds=2,
                first_phone=910_000_000_000,
            )
            with harness.RssSampler(stack.pids()) as rss:
                latency = await run_phase(
                    stack,
                    db_url,
                    channel_id,
                    name="latency",
                    rate=args.latency_rate,
                    seconds=args.seconds,
                    first_phone=920_000_000_000,
                )
                throughput = await run_phase(
                    stack,
                    db_url,
                    channel_id,
                    name="throughput",
                    rate=args.rate,
                    seconds=args.seconds,
                    first_phone=930_000_000_000,
                )
            peaks = rss.peak_mib()
        _report([latency, throughput], peaks)
        baseline = await run_baseline(
            db_url,
            args.redis_url,
            tenant_id=tenant_id,
            channel_id=channel_id,
            count=args.baseline_messages,
            concurrency=args.concurrency * args.workers,
        )
    best = max(latency.throughput, throughput.throughput)
    console.print(
        f"baseline (drivers alone): {baseline:.0f} msg/s; ours/baseline = {best / baseline:.2f}"
    )


def _report(phases: list[Phase], peaks: dict[str, float]) -> None:
    """The phases, printed before the baseline runs (so a failing baseline loses nothing)."""
    table = Table(title="b2a pipeline: webhook → stored → greeting sent")
    for column in (
        "phase",
        "offered/s",
        "accepted",
        "answered",
        "msg/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "lost",
        "dup",
        "tx/msg",
    ):
        table.add_column(column, justify="right")
    for p in phases:
        table.add_row(
            p.name,
            f"{p.offered_rate:.0f}",
            str(p.accepted),
            str(p.answered),
            f"{p.throughput:.0f}",
            f"{p.p50_ms:.0f}",
            f"{p.p95_ms:.0f}",
            f"{p.p99_ms:.0f}",
            str(p.lost),
            str(p.duplicated),
            f"{p.transactions_per_message:.1f}",
        )
    console.print(table)
    for p in phases:
        console.print(
            f"CPU per message, {p.name}: "
            + ", ".join(f"{name} {ms:.2f} ms" for name, ms in p.cpu_ms.items())
            + f" (total {sum(p.cpu_ms.values()):.2f} ms)"
        )
    total = sum(peaks.values())
    console.print(
        "peak RSS: "
        + ", ".join(f"{name} {mib:.0f} MiB" for name, mib in peaks.items())
        + f" (total {total:.0f} MiB)"
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=1000, help="throughput phase, msg/s")
    parser.add_argument("--latency-rate", type=float, default=500, help="latency phase, msg/s")
    parser.add_argument("--seconds", type=float, default=20, help="length of each phase")
    parser.add_argument("--concurrency", type=int, default=20, help="jobs at once per worker")
    parser.add_argument("--workers", type=int, default=1, help="`b2a worker` processes")
    parser.add_argument("--baseline-messages", type=int, default=5000)
    parser.add_argument(
        "--pg-admin-url",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="a server where the benchmark may create and drop a database",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/10")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
