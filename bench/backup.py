"""How long ``b2a backup`` and ``b2a restore`` take on a populated PostgreSQL install.

Run by hand: ``python -m bench.backup [--customers N] [--messages-each M] [--files F]``
(PostgreSQL at 127.0.0.1:5432, Redis at 127.0.0.1:6379 unless ``--pg``/``--redis`` say
otherwise). It builds a tenant with N customers, N conversations and M messages each (half
inbound, half outbound, a line of text each) by bulk SQL, and F media files of 100 KiB of
random bytes (incompressible, like photos) under the data home; then it times the real
commands as subprocesses, wall clock: ``b2a backup``, then ``b2a restore`` into a new empty
database and data home. docs/reliability.md ("Backups") records a run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg

from bench.harness import base_env, prepare_tenant, scratch

FILE_BYTES = 100 * 1024


async def populate(db_url: str, tenant: str, channel: str, customers: int, each: int) -> None:
    """Customers, their conversations and messages, in a few INSERT … SELECT statements."""
    conn = await asyncpg.connect(db_url)
    try:
        await conn.execute(
            "INSERT INTO customer (id, created_at, tenant, name, phone)"
            " SELECT gen_random_uuid(), now(), $1, 'Customer ' || n, (923000000000 + n)::text"
            " FROM generate_series(1, $2) AS n",
            uuid.UUID(tenant),
            customers,
        )
        await conn.execute(
            "INSERT INTO conversation (id, created_at, tenant, channel, customer)"
            " SELECT gen_random_uuid(), now(), tenant, $2, id FROM customer WHERE tenant = $1",
            uuid.UUID(tenant),
            uuid.UUID(channel),
        )
        await conn.execute(
            "INSERT INTO message (id, created_at, tenant, conversation, direction, text,"
            " wa_message_id)"
            " SELECT gen_random_uuid(), now() - make_interval(mins => n), c.tenant, c.id,"
            " CASE WHEN n % 2 = 0 THEN 'INBOUND' ELSE 'OUTBOUND' END,"
            " 'Assalam o alaikum, haircut ka price kya hai? ' || n,"
            " 'wamid.bench.' || c.id || '.' || n"
            " FROM conversation c, generate_series(1, $2) AS n WHERE c.tenant = $1",
            uuid.UUID(tenant),
            each,
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


def write_files(home: Path, tenant: str, count: int) -> None:
    """``count`` media files of random bytes where the worker keeps them."""
    folder = home / "media" / tenant / "2026" / "12"
    folder.mkdir(parents=True)
    for _ in range(count):
        (folder / f"{uuid.uuid4()}.jpg").write_bytes(os.urandom(FILE_BYTES))


def timed(env: dict[str, str], *args: str) -> float:
    """Run ``b2a ARGS``; its wall-clock seconds."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "b2a", *args], env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"b2a {' '.join(args)} failed: {result.stderr}")
    return time.perf_counter() - started


async def facts(db_url: str) -> tuple[int, int]:
    """Messages stored and the database's size in bytes."""
    conn = await asyncpg.connect(db_url)
    try:
        messages = await conn.fetchval("SELECT count(*) FROM message")
        size = await conn.fetchval("SELECT pg_database_size(current_database())")
        return int(messages), int(size)
    finally:
        await conn.close()


async def main(args: argparse.Namespace) -> None:
    async with scratch(args.pg, args.redis, "bench_backup_src") as (source_url, home):
        env = base_env(home, source_url, args.redis)
        tenant, channel = await prepare_tenant(env, "http://127.0.0.1:9")
        await populate(source_url, tenant, channel, args.customers, args.messages_each)
        write_files(home, tenant, args.files)
        messages, db_bytes = await facts(source_url)
        backups = home / "backups"
        backup_s = timed(env, "backup", "--to", str(backups))
        [archive] = backups.glob("b2a-backup-*.tar")
        archive_bytes = archive.stat().st_size
        async with scratch(args.pg, args.redis, "bench_backup_dst") as (target_url, _):
            with tempfile.TemporaryDirectory() as new_home:
                target = base_env(Path(new_home), target_url, args.redis)
                restore_s = timed(target, "restore", str(archive))
            restored, _ = await facts(target_url)
    assert restored == messages
    print(
        f"{args.customers} customers, {messages} messages, database {db_bytes / 2**20:.0f} MiB, "
        f"{args.files} files ({args.files * FILE_BYTES / 2**20:.0f} MiB); "
        f"archive {archive_bytes / 2**20:.0f} MiB; "
        f"b2a backup {backup_s:.1f} s, b2a restore {restore_s:.1f} s"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--messages-each", type=int, default=20)
    parser.add_argument("--files", type=int, default=1_000)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    asyncio.run(main(parser.parse_args()))
