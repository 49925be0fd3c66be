"""What stands between b2a and PostgreSQL: nothing, or a pooler in one of its three modes.

A transaction-mode pooler (PgBouncer's ``pool_mode = transaction``, Supabase's
Supavisor on port 6543) lends a server connection for one transaction at a time,
so whatever a connection keeps between transactions is gone on the next one:
asyncpg's cached prepared statements first of all. With the cache on, 98 of 100
webhooks through such a PgBouncer were refused with "prepared statement
__asyncpg_stmt_3__ does not exist" (tests/reliability/test_pgbouncer.py).

Nothing in the protocol names the pooler, so it is recognised by what it does:

1. A direct connection's startup reply carries its server process id (the
   cancel key), the same as ``pg_backend_pid()``; a pooler answers the startup
   itself with a key of its own. Equal ids: no pooler, one connection, done.
2. Otherwise a second connection opens a transaction. Under transaction
   pooling the first connection holds no server between its statements, so
   either the second one is lent the server the first has just used, or the
   first is moved to another server while the second holds its old one; in
   session mode each keeps its own server and neither happens. A pooler in
   statement mode refuses the transaction outright.
"""

from __future__ import annotations

import enum

import asyncpg

PROBE_ROUNDS = 3
_PID = "SELECT pg_backend_pid()"


class Pooling(enum.StrEnum):
    """How connections reach PostgreSQL, as far as a client can tell."""

    NONE = "none"
    SESSION = "session"
    TRANSACTION = "transaction"
    STATEMENT = "statement"


async def detect_pooling(dsn: str, *, timeout: float = 10) -> Pooling:
    """Which pooling mode serves ``dsn`` (an asyncpg DSN); connection errors propagate."""
    first = await asyncpg.connect(dsn, timeout=timeout, statement_cache_size=0)
    try:
        if first.get_server_pid() == await first.fetchval(_PID):
            return Pooling.NONE
        second = await asyncpg.connect(dsn, timeout=timeout, statement_cache_size=0)
        try:
            return await _pooling_mode(first, second)
        finally:
            await second.close()
    finally:
        await first.close()


async def _pooling_mode(first: asyncpg.Connection, second: asyncpg.Connection) -> Pooling:
    """Step 2 of the module docstring, a few rounds in case other clients take the server."""
    for _ in range(PROBE_ROUNDS):
        before = await first.fetchval(_PID)
        try:
            async with second.transaction():
                if await second.fetchval(_PID) == before:
                    return Pooling.TRANSACTION
                if await first.fetchval(_PID) != before:
                    return Pooling.TRANSACTION
        except asyncpg.ConnectionDoesNotExistError as exc:
            if "statement pooling mode" in str(exc):
                return Pooling.STATEMENT
            raise
    return Pooling.SESSION
