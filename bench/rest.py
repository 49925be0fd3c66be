"""Benchmark: the memory of an idle appliance, and the modules each process loaded.

Run by hand (never by the test suite), from the project root:

    .venv/bin/python -m bench.rest                      # RSS of serve, worker, whatsapp at rest
    .venv/bin/python -m bench.rest --modules            # and what each process imported
    .venv/bin/python -m bench.rest --env MALLOC_ARENA_MAX=2   # an allocator setting, measured

The stack is started as ``bench/pipeline.py`` starts it (a throwaway PostgreSQL
database, a flushed Redis database, the fake Graph API, the three b2a processes as
systemd runs them), warmed up with the same 2 s at 100 msg/s, left idle for 2 s,
and then the resident memory (VmRSS) of each process is read from /proc. Faster
than the full pipeline benchmark when memory is the only question (issue 18:
serve + worker + whatsapp at most 250 MiB at rest).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
from collections import Counter
from pathlib import Path

from rich.console import Console

from bench import harness
from bench.pipeline import IDLE_TARGET_MIB, at_rest, run_phase

console = Console(width=150)
# Libraries one process or another must not carry; reported present or absent per process.
WATCHED = (
    "stripe",
    "black",
    "piccolo.apps",
    "litestar",
    "uvicorn",
    "jinja2",
    "saq",
    "httpx",
    "neonize",
    "argon2",
    "rich",
    "typer",
)
_IMPORT_LINE = re.compile(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)")


async def main(args: argparse.Namespace) -> None:
    async with harness.scratch(args.pg_admin_url, args.redis_url, "b2a_rest") as (db_url, home):
        env = {**harness.base_env(home, db_url, args.redis_url), **dict(args.env)}
        interpreter_args = ("-X", "importtime") if args.modules else ()
        with harness.running_stack(env, home / "logs") as stack:
            stack.start_graph()
            businesses = await harness.prepare_businesses(stack.env, stack.graph_url, 1)
            for process in harness.PROCESSES:
                stack.start(process, interpreter_args=interpreter_args)
            await run_phase(
                stack,
                db_url,
                businesses,
                name="warm-up",
                rate=100,
                seconds=2,
                first_phone=910_000_000_000,
            )
            rest = await at_rest(stack, db_url)
            rss = ", ".join(f"{name} {mib:.1f} MiB" for name, mib in rest.rss_mib.items())
            console.print(
                f"at rest: {rss} (total {rest.rss_total_mib:.1f} MiB, target ≤ {IDLE_TARGET_MIB})"
            )
            for name, pid in stack.pids().items():
                console.print(f"  {name}: {_rss_parts(pid)}")
            if args.modules:
                for name in harness.PROCESSES:
                    _report_modules(name, stack.logs / f"{name}.log")
            if args.keep_logs:
                shutil.copytree(stack.logs, args.keep_logs, dirs_exist_ok=True)


def _rss_parts(pid: int) -> str:
    """Heap and stacks (anonymous) apart from mapped files (code, shared libraries)."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    parts = {key: int(fields[key].split()[0]) / 1024 for key in ("RssAnon", "RssFile", "RssShmem")}
    return ", ".join(f"{key} {mib:.1f} MiB" for key, mib in parts.items())


def _report_modules(name: str, log: Path) -> None:
    """The modules a process imported (from ``-X importtime``) and the watched libraries."""
    modules = [
        m.group(1) for line in log.read_text().splitlines() if (m := _IMPORT_LINE.match(line))
    ]
    loaded = set(modules)
    present = [w for w in WATCHED if w in loaded]
    top = Counter(m.split(".")[0] for m in modules).most_common(12)
    console.print(f"{name}: {len(loaded)} modules; watched present: {', '.join(present) or '-'}")
    console.print("  most modules: " + ", ".join(f"{pkg} {n}" for pkg, n in top))


def _env_pair(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=VALUE")
    return key, value


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--modules", action="store_true", help="start each process with -X importtime and report"
    )
    parser.add_argument("--keep-logs", metavar="DIR", help="copy the processes' logs to DIR")
    parser.add_argument(
        "--env",
        type=_env_pair,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an extra environment variable for every b2a process (repeatable)",
    )
    harness.add_service_options(parser)
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
