"""Connections lost under a process never keep it from stopping.

A PostgreSQL restart cuts every connection; the transaction whose connection
was cut must still give it back, or asyncpg's pool close (at every shutdown)
waits for it forever. A worker whose shutdown is stuck anyway leaves on a
second signal.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time

import asyncpg
import pytest

from b2a.db.engine import asyncpg_dsn, close_pool, create_engine, start_pool
from b2a.db.transaction import ReleasingTransaction
from b2a.settings import load_settings
from bench import harness


def _engine(url: str):  # type: ignore[no-untyped-def]
    return create_engine(load_settings({"B2A_DB_URL": url}).db)


async def _cut(url: str, pid: int) -> None:
    """What a PostgreSQL restart does to one session."""
    admin = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await admin.execute("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()


async def test_a_transaction_whose_connection_was_cut_gives_it_back(pg_url):
    engine = _engine(pg_url)
    await start_pool(engine, max_size=2)
    try:
        # asyncpg reports the cut connection in one of these ways, depending on timing.
        lost = (
            asyncpg.PostgresConnectionError,
            asyncpg.InterfaceError,
            asyncpg.InternalClientError,
        )
        with pytest.raises(lost):
            async with ReleasingTransaction(engine) as transaction:
                pid = await transaction.connection.fetchval("SELECT pg_backend_pid()")
                await _cut(pg_url, pid)
                await transaction.connection.fetchval("SELECT 1")
        assert engine.current_transaction.get() is None, "the dead transaction is not current"
        assert engine.pool.get_idle_size() == engine.pool.get_size(), "nothing checked out"
        # The pool serves again with a new connection.
        async with ReleasingTransaction(engine) as transaction:
            assert await transaction.connection.fetchval("SELECT 1") == 1
    finally:
        await asyncio.wait_for(engine.pool.close(), 10)


async def test_a_failed_statement_rolls_back_and_keeps_the_connection(pg_url):
    engine = _engine(pg_url)
    await start_pool(engine, max_size=1)
    try:
        with pytest.raises(asyncpg.DivisionByZeroError):
            async with ReleasingTransaction(engine) as transaction:
                first = await transaction.connection.fetchval("SELECT pg_backend_pid()")
                await transaction.connection.fetchval("SELECT 1 / 0")
        async with engine.pool.acquire() as connection:
            assert await connection.fetchval("SELECT pg_backend_pid()") == first
            assert not connection.is_in_transaction()
    finally:
        await close_pool(engine)


async def test_closing_the_pool_does_not_wait_for_a_connection_never_given_back(pg_url):
    engine = _engine(pg_url)
    await start_pool(engine, max_size=2)
    held = await engine.pool.acquire()  # a task that never returns it
    await asyncio.wait_for(close_pool(engine, timeout=0.5), 10)
    assert engine.pool is None
    with pytest.raises(asyncpg.InterfaceError):
        await held.fetchval("SELECT 1")  # cut, not left open


def _silent_server() -> socket.socket:
    """Accepts connections and never answers: a hung Redis."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    return server


@pytest.mark.slow
def test_a_second_signal_ends_a_worker_whose_stop_is_stuck(make_database, tmp_path):
    server = _silent_server()
    port = server.getsockname()[1]
    env = harness.base_env(tmp_path / "home", make_database(), f"redis://127.0.0.1:{port}/0")
    env["B2A_LOG_LEVEL"] = "info"
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "b2a", "worker"],
            cwd=harness.ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        # Wait until the worker is inside its start (its pool is open), stuck on Redis.
        deadline = time.monotonic() + 60
        while b"Running Postgres" not in log.read_bytes() and worker.poll() is None:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        worker.send_signal(signal.SIGTERM)
        with pytest.raises(subprocess.TimeoutExpired):
            worker.wait(1)  # still waiting on the silent Redis
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(30) == 128 + signal.SIGTERM, log.read_text()
        assert "second stop signal" in log.read_text()
    finally:
        if worker.poll() is None:
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait()
        server.close()
