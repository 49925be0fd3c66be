"""Benchmark: signed Cloud API webhooks into ``b2a serve`` + ``b2a worker`` on PostgreSQL.

Run by hand (never by the test suite), from the project root:

    .venv/bin/python -m bench.pipeline              # 1,000 msg/s target, 500 msg/s latency run
    .venv/bin/python -m bench.pipeline --seconds 5  # a quick look
    .venv/bin/python -m bench.pipeline --workers 2  # two `b2a worker` processes
    .venv/bin/python -m bench.pipeline --workers 1,2  # then the throughput phase with two
    .venv/bin/python -m bench.pipeline --assistant  # first 50 msg/s with the assistant answering
    .venv/bin/python -m bench.pipeline --json run.json   # every figure, for machines too

It creates a throwaway PostgreSQL database and uses one Redis database (flushed), starts
the fake Graph API and the three b2a processes, and drives webhooks from new customers
of a tenant with a greeting, so each message is answered by one send. The assistant's
phase (``--assistant``) spreads its messages over enough tenants that none passes the
assistant's burst limit of 20 turns a minute, so every turn answers instead of being
refused. Reported: the stack at rest (RSS, PostgreSQL connections), then per phase
sustained messages/s, webhook-to-send latency percentiles, lost and duplicated counts,
CPU per message of every process and peak RSS; then two baselines: the physical limit
(``bench/physical.py``: one multi-row insert per batch and one POST per reply) and the
same database and Redis work with the drivers alone (``bench/baseline.py``). See
docs/performance.md for the numbers measured on the reference machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import statistics
import subprocess
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from rich.console import Console
from rich.table import Table

from b2a.assistant.governance import BURST_PER_MINUTE
from b2a.db.engine import asyncpg_dsn
from bench import harness
from bench.baseline import run_baseline
from bench.physical import Physical, run_physical

console = Console(width=150)
IDLE_TARGET_MIB = 250  # issue 18: serve + worker + whatsapp at rest
LOAD_TARGET_MIB = 400  # and under load


@dataclass
class Phase:
    """One steady stream of webhooks and what came out of it."""

    name: str
    assistant: bool
    offered_rate: float
    seconds: float
    load_before: float
    """The machine's 1-minute load average when the phase began."""
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
    peak_rss_mib: dict[str, float]
    """Peak resident memory of each b2a process during the phase."""
    connections: dict[str, dict[str, int]] = field(default_factory=dict)
    """PostgreSQL connections by ``application_name``: peak open, peak busy, busy samples."""

    @property
    def cpu_total_ms(self) -> float:
        return sum(self.cpu_ms.values())

    @property
    def peak_rss_total_mib(self) -> float:
        return sum(self.peak_rss_mib.values())


@dataclass
class AtRest:
    """The stack after the warm-up, doing nothing: what an idle appliance holds."""

    rss_mib: dict[str, float]
    postgres_connections: int
    connections_by_process: dict[str, int] = field(default_factory=dict)
    """Open connections by ``application_name`` (``b2a-serve``, ``b2a-worker``, …)."""

    @property
    def rss_total_mib(self) -> float:
        return sum(self.rss_mib.values())


async def _commits(db_url: str) -> int:
    connection = await asyncpg.connect(asyncpg_dsn(db_url))
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
    businesses: list[harness.Business],
    *,
    name: str,
    rate: float,
    seconds: float,
    first_phone: int,
    assistant: bool = False,
) -> Phase:
    """Drive ``rate`` msg/s for ``seconds`` spread over ``businesses``, wait for every answer."""
    count = int(rate * seconds)
    load_before = os.getloadavg()[0]
    outbound_before = (await harness.stored(db_url)).outbound
    commits_before = await _commits(db_url)
    pids = stack.all_pids()
    cpu_before = {name: harness.cpu_seconds(pid) for name, pid in pids.items()}
    driver_before = time.process_time()
    redis_before = await harness.redis_cpu_seconds(stack.env["B2A_REDIS_URL"])
    with harness.RssSampler(stack.pids()) as rss:
        async with harness.ConnectionSampler(db_url) as connections:
            drive = await harness.drive_spread(
                stack.base_url, businesses, rate=rate, count=count, first_phone=first_phone
            )
            # With the assistant, the answer comes from its own job after the event is processed.
            outcome = await harness.settle(
                db_url,
                expected=count,
                timeout=max(120.0, seconds * 10),
                replies=outbound_before + len(drive.posted_at) if assistant else None,
            )
    commits = await _commits(db_url) - commits_before
    cpu = _cpu_per_message(pids, cpu_before, count)
    cpu["postgres"] = connections.cpu_seconds() * 1000 / max(count, 1)
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
        assistant=assistant,
        offered_rate=rate,
        seconds=seconds,
        load_before=load_before,
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
        peak_rss_mib=rss.peak_mib(),
        connections={name: asdict(c) for name, c in sorted(connections.by_process.items())},
    )


def _cpu_per_message(
    pids: dict[str, int], before: dict[str, float], count: int
) -> dict[str, float]:
    """Milliseconds of CPU per message by process."""
    return {
        name: (harness.cpu_seconds(pid) - before[name]) * 1000 / max(count, 1)
        for name, pid in pids.items()
    }


async def at_rest(stack: harness.Stack, db_url: str, settle_seconds: float = 2.0) -> AtRest:
    """RSS of each b2a process and the stack's PostgreSQL connections, once it is idle."""
    await asyncio.sleep(settle_seconds)
    with harness.RssSampler(stack.pids()) as rss:
        await asyncio.sleep(1.0)
    connection = await asyncpg.connect(asyncpg_dsn(db_url))
    try:
        rows = await connection.fetch(
            "SELECT application_name AS name, count(*) AS n FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " GROUP BY application_name ORDER BY application_name"
        )
    finally:
        await connection.close()
    by_process = {row["name"] or "?": row["n"] for row in rows}
    return AtRest(rss.peak_mib(), sum(by_process.values()), by_process)


async def _switch_assistant(db_url: str, tenant_id: str, *, on: bool) -> None:
    """The tenant's assistant on or off; the next turn reads it fresh (assistant/config.py)."""
    connection = await asyncpg.connect(asyncpg_dsn(db_url))
    try:
        await connection.execute(
            "UPDATE assistant_config SET enabled = $2 WHERE tenant = $1",
            uuid.UUID(tenant_id),
            on,
        )
    finally:
        await connection.close()


@dataclass(frozen=True)
class _Plan:
    name: str
    rate: float
    assistant: bool
    first_phone: int


def _plans(args: argparse.Namespace) -> list[_Plan]:
    """The measured phases in order; a rate of 0 leaves its phase out."""
    plans = [
        _Plan("assistant", args.assistant_rate if args.assistant else 0, True, 940_000_000_000),
        _Plan("latency", args.latency_rate, False, 920_000_000_000),
        _Plan("throughput", args.rate, False, 930_000_000_000),
    ]
    return [plan for plan in plans if plan.rate > 0]


def _worker_counts(text: str) -> list[int]:
    """``--workers``: one count, or ascending counts such as ``1,2`` measured in one run."""
    counts = [int(part) for part in text.split(",")]
    if not counts or counts[0] < 1 or counts != sorted(set(counts)):
        raise argparse.ArgumentTypeError("give worker counts from 1 up, ascending: 2 or 1,2")
    return counts


def _named(name: str, workers: int, args: argparse.Namespace) -> str:
    """The phase's name, with its worker count when the run compares counts."""
    if len(args.workers) == 1:
        return name
    return f"{name}, {workers} worker{'s' if workers > 1 else ''}"


async def _phases(
    stack: harness.Stack,
    db_url: str,
    businesses: list[harness.Business],
    args: argparse.Namespace,
) -> list[Phase]:
    """Each plan's phase; the assistant's over every tenant, the others over the first."""
    phases = []
    first = args.workers[0]
    for plan in _plans(args):
        driven = businesses if plan.assistant else businesses[:1]
        if plan.assistant:
            await _switch_all(db_url, driven, on=True)
        phases.append(
            await run_phase(
                stack,
                db_url,
                driven,
                name=_named(plan.name, first, args),
                rate=plan.rate,
                seconds=args.seconds,
                first_phone=plan.first_phone,
                assistant=plan.assistant,
            )
        )
        if plan.assistant:
            await _switch_all(db_url, driven, on=False)
    # More workers join the same stack, and the throughput phase runs again with them.
    for workers in args.workers[1:] if args.rate > 0 else []:
        _start_workers(stack, first, workers)
        first = workers
        # Its imports and pools are not the phase's: warmed up like the first worker.
        await _warm_up(stack, db_url, businesses, 940_000_000_000 + workers * 100_000_000)
        phases.append(
            await run_phase(
                stack,
                db_url,
                businesses[:1],
                name=_named("throughput", workers, args),
                rate=args.rate,
                seconds=args.seconds,
                first_phone=950_000_000_000 + workers * 100_000_000,
            )
        )
    return phases


def _start_workers(stack: harness.Stack, running: int, wanted: int) -> None:
    """Workers ``running + 1`` to ``wanted``; the first is ``worker``, the others ``worker-N``."""
    for n in range(running + 1, wanted + 1):
        stack.start(f"worker-{n}", "worker")


async def _switch_all(db_url: str, businesses: list[harness.Business], *, on: bool) -> None:
    for business in businesses:
        await _switch_assistant(db_url, business.tenant_id, on=on)


def _assistant_tenants(args: argparse.Namespace) -> int:
    """Tenants the assistant phase is spread over: by default enough that none is refused.

    One tenant's assistant takes at most ``BURST_PER_MINUTE`` turns a minute; a
    phase on one tenant would measure refusals and hand-offs after its first 20.
    """
    if not args.assistant:
        return 1
    return args.assistant_tenants or math.ceil(
        args.assistant_rate * args.seconds / BURST_PER_MINUTE
    )


async def _start(
    stack: harness.Stack, db_url: str, args: argparse.Namespace
) -> list[harness.Business]:
    """The fake, the tenants and the b2a processes, warmed up on the first tenant."""
    stack.start_graph()
    businesses = await harness.prepare_businesses(
        stack.env, stack.graph_url, _assistant_tenants(args), assistant=args.assistant
    )
    if args.assistant:  # their services stay; they answer only in the assistant's own phase
        await _switch_all(db_url, businesses, on=False)
    for process in harness.PROCESSES:
        stack.start(process)
    _start_workers(stack, 1, args.workers[0])
    console.print(f"[dim]warming up; logs in {stack.logs}[/]")
    await _warm_up(stack, db_url, businesses, 910_000_000_000)
    return businesses


async def _warm_up(
    stack: harness.Stack, db_url: str, businesses: list[harness.Business], first_phone: int
) -> None:
    """Two seconds at 100 msg/s on the first tenant, not counted: imports, pools, plans."""
    await run_phase(
        stack,
        db_url,
        businesses[:1],
        name="warm-up",
        rate=100,
        seconds=2,
        first_phone=first_phone,
    )


async def main(args: argparse.Namespace) -> None:
    record: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **_commit(),
        "cpus": os.cpu_count(),
        "options": vars(args),
        "load_average": {"before": os.getloadavg()},
    }
    async with harness.scratch(args.pg_admin_url, args.redis_url, "b2a_bench") as (db_url, home):
        env = harness.base_env(home, db_url, args.redis_url)
        env["B2A_WORKER_CONCURRENCY"] = str(args.concurrency)
        concurrency = args.concurrency * args.workers[-1]
        with harness.running_stack(env, home / "logs") as stack:
            businesses = await _start(stack, db_url, args)
            tenant_id, channel_id = businesses[0].tenant_id, businesses[0].channel_id
            rest = await at_rest(stack, db_url)
            phases = await _phases(stack, db_url, businesses, args)
            record["load_average"]["after"] = os.getloadavg()
            _report(rest, phases)
            record.update(_stack_figures(rest, phases))
            _write(args.json, record)
            # The stack is done; stopping it leaves the machine to the baselines.
            for name in list(stack.pids()):
                stack.terminate(name)
            physical = await run_physical(
                db_url,
                stack.graph_url,
                stack.processes["graph"].pid,
                tenant_id=tenant_id,
                channel_id=channel_id,
                count=args.physical_messages,
                batch=args.physical_batch,
                concurrency=concurrency,
            )
        baseline = await run_baseline(
            db_url,
            args.redis_url,
            tenant_id=tenant_id,
            channel_id=channel_id,
            count=args.baseline_messages,
            concurrency=concurrency,
        )
    best = max((p.throughput for p in phases), default=0.0)
    _report_baselines(best, physical, baseline)
    record["load_average"]["at_end"] = os.getloadavg()
    record.update(_baseline_figures(best, physical, baseline))
    _write(args.json, record)
    if args.json:
        console.print(f"[dim]every figure written to {args.json}[/]")


def _write(path: str | None, record: dict[str, Any]) -> None:
    """The JSON file, written after the phases and again with the baselines."""
    if path:
        Path(path).write_text(json.dumps(record, indent=2) + "\n")


def _commit() -> dict[str, Any]:
    """The code measured: the commit, and whether the work tree differed from it."""

    def git(*argv: str) -> str:
        done = subprocess.run(
            ["git", *argv], cwd=harness.ROOT, capture_output=True, text=True, check=False
        )
        return done.stdout.strip()

    return {
        "commit": git("rev-parse", "HEAD"),
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
    }


def _stack_figures(rest: AtRest, phases: list[Phase]) -> dict[str, Any]:
    """The stack's figures as JSON: at rest, per phase and its peak RSS under load."""
    peaks = _peaks(phases)
    return {
        "at_rest": {**asdict(rest), "rss_total_mib": rest.rss_total_mib},
        "phases": [
            {
                **asdict(p),
                "cpu_total_ms": p.cpu_total_ms,
                "peak_rss_total_mib": p.peak_rss_total_mib,
            }
            for p in phases
        ],
        "peak_rss_mib": peaks,
        "peak_rss_total_mib": sum(peaks.values()),
        "rss_targets_mib": {"at_rest": IDLE_TARGET_MIB, "under_load": LOAD_TARGET_MIB},
    }


def _baseline_figures(best: float, physical: Physical, baseline: float) -> dict[str, Any]:
    """Both baselines as JSON, and our best phase's throughput as a ratio of each."""
    return {
        "best_throughput": best,
        "baselines": {
            "physical": asdict(physical),
            "drivers_alone": {"msg_per_s": baseline},
        },
        "physical_cpu_total_ms": sum(physical.cpu_ms.values()),
        "ratios": {
            "physical": best / physical.msg_per_s,
            "drivers_alone": best / baseline,
        },
    }


def _peaks(phases: list[Phase]) -> dict[str, float]:
    """Each b2a process's peak RSS over all measured phases."""
    peaks: dict[str, float] = {}
    for phase in phases:
        for name, mib in phase.peak_rss_mib.items():
            peaks[name] = max(peaks.get(name, 0.0), mib)
    return peaks


def _mib(values: dict[str, float]) -> str:
    return ", ".join(f"{name} {mib:.0f} MiB" for name, mib in values.items())


def _report(rest: AtRest, phases: list[Phase]) -> None:
    """The phases, printed before the baselines run (so a failing baseline loses nothing)."""
    console.print(
        f"at rest: {_mib(rest.rss_mib)} (total {rest.rss_total_mib:.0f} MiB,"
        f" target ≤ {IDLE_TARGET_MIB}); {rest.postgres_connections} PostgreSQL connections"
        f" ({', '.join(f'{name} {n}' for name, n in rest.connections_by_process.items())})"
    )
    table = Table(title="b2a pipeline: webhook → stored → reply sent")
    for column in (
        "phase",
        "load",
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
        "CPU ms/msg",
        "peak MiB",
    ):
        table.add_column(column, justify="right")
    for p in phases:
        table.add_row(
            p.name,
            f"{p.load_before:.1f}",
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
            f"{p.cpu_total_ms:.2f}",
            f"{p.peak_rss_total_mib:.0f}",
        )
    console.print(table)
    for p in phases:
        console.print(
            f"CPU per message, {p.name}: "
            + ", ".join(f"{name} {ms:.2f} ms" for name, ms in p.cpu_ms.items())
            + f" (total {p.cpu_total_ms:.2f} ms)"
        )
    for p in phases:
        console.print(
            f"PostgreSQL connections, {p.name} (open at most / busy at most / busy on average): "
            + ", ".join(
                f"{name} {c['peak_open']}/{c['peak_busy']}/"
                f"{c['busy_samples'] / max(c['samples'], 1):.1f}"
                for name, c in p.connections.items()
            )
        )
    peaks = _peaks(phases)
    console.print(
        f"peak RSS: {_mib(peaks)} (total {sum(peaks.values()):.0f} MiB, target ≤ {LOAD_TARGET_MIB})"
    )


def _report_baselines(best: float, physical: Physical, baseline: float) -> None:
    def cpu(values: dict[str, float]) -> str:
        return ", ".join(f"{name} {ms:.2f} ms" for name, ms in values.items())

    console.print(
        f"physical limit: {physical.msg_per_s:.0f} msg/s ({physical.messages} messages,"
        f" batches of {physical.batch}, {physical.concurrency} tasks; CPU per message:"
        f" {cpu(physical.cpu_ms)}, total {sum(physical.cpu_ms.values()):.2f} ms);"
        f" ours/physical = {best / physical.msg_per_s:.2f}"
    )
    console.print(
        f"  database alone: {physical.db_msg_per_s:.0f} msg/s (CPU per message:"
        f" {cpu(physical.db_cpu_ms)}); HTTP alone: {physical.http_posts_per_s:.0f} POSTs/s"
        f" (CPU per POST: {cpu(physical.http_cpu_ms)})"
    )
    console.print(
        f"baseline (drivers alone): {baseline:.0f} msg/s; ours/baseline = {best / baseline:.2f}"
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rate", type=float, default=1000, help="throughput phase, msg/s (0: none)"
    )
    parser.add_argument(
        "--latency-rate", type=float, default=500, help="latency phase, msg/s (0: none)"
    )
    parser.add_argument(
        "--assistant",
        action="store_true",
        help="first a phase with the tenant's assistant answering each message",
    )
    parser.add_argument("--assistant-rate", type=float, default=50, help="its rate, msg/s")
    parser.add_argument(
        "--assistant-tenants",
        type=int,
        default=0,
        help="tenants its messages are spread over (default: enough for its burst limit)",
    )
    parser.add_argument("--seconds", type=float, default=20, help="length of each phase")
    parser.add_argument("--concurrency", type=int, default=20, help="jobs at once per worker")
    parser.add_argument(
        "--workers",
        type=_worker_counts,
        default=[1],
        help="`b2a worker` processes; ascending counts (1,2) rerun the throughput phase with each",
    )
    parser.add_argument("--baseline-messages", type=int, default=5000)
    parser.add_argument(
        "--physical-messages", type=int, default=2000, help="messages of each physical-limit run"
    )
    parser.add_argument(
        "--physical-batch", type=int, default=100, help="messages per physical-limit insert"
    )
    parser.add_argument("--json", metavar="FILE", help="also write every figure to FILE as JSON")
    harness.add_service_options(parser)
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
