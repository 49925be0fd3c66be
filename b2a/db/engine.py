"""Turn database settings into a Piccolo engine and bind every table to it.

Piccolo tables find their engine through ``piccolo_conf``; binding explicitly lets
one process (a test session, ``b2a doctor``) choose SQLite or PostgreSQL at run time.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Iterable
from urllib.parse import urlsplit

import asyncpg
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine
from piccolo.table import Table

from b2a.db.pooler import Pooling, detect_pooling
from b2a.settings import DatabaseSettings

log = logging.getLogger(__name__)

TRANSACTION_POOLER_PORT = 6543
APPLICATION_PREFIX = "b2a-"
"""How b2a's connections start their ``application_name``: ``b2a-serve``, ``b2a-worker``, …"""


def uses_transaction_pooler(url: str) -> bool:
    """Whether the URL says it is a transaction-mode pooler (6543, ``pgbouncer=true``).

    Such poolers hand each transaction to a different server connection, so
    prepared statements cached on one are missing on the next. Any other
    pooler is found when the pool starts (``start_pool``, b2a/db/pooler.py).
    """
    parts = urlsplit(url)
    return parts.port == TRANSACTION_POOLER_PORT or "pgbouncer=true" in parts.query


class StatelessConnection(asyncpg.Connection):  # type: ignore[misc]
    """A pooled connection handed back without asyncpg's reset query.

    Piccolo takes a pool connection per query, and asyncpg's release sends
    ``RESET ALL; UNLISTEN *; CLOSE ALL; SELECT pg_advisory_unlock_all()`` each
    time: a second round trip and transaction for every query, about half the
    database work of the pipeline. b2a sets no session state (no SET, LISTEN,
    cursors or advisory locks), so there is nothing to reset; an open
    transaction is still rolled back by asyncpg regardless.
    """

    def get_reset_query(self) -> str:
        """Nothing to reset (see the class docstring)."""
        return ""


def create_engine(db: DatabaseSettings, role: str = "cli") -> Engine:  # type: ignore[type-arg]
    """Build the engine the settings describe (not yet connected).

    ``role`` names the process to PostgreSQL (``application_name`` ``b2a-<role>``), so
    ``pg_stat_activity``, ``b2a doctor`` and the pipeline benchmark can tell which
    process holds which connections.
    """
    if db.is_sqlite:
        path = db.sqlite_path
        path.parent.mkdir(parents=True, exist_ok=True)
        _enable_wal(str(path))
        return SQLiteEngine(path=str(path), timeout=30)
    config: dict[str, object] = {
        "dsn": asyncpg_dsn(db.url),
        "connection_class": StatelessConnection,
        "server_settings": {"application_name": f"{APPLICATION_PREFIX}{role}"},
    }
    if not db.statement_cache or uses_transaction_pooler(db.url):
        config["statement_cache_size"] = 0
    return PostgresEngine(config=config)


def asyncpg_dsn(url: str) -> str:
    """Asyncpg knows neither the ``postgres+`` dialect prefix nor ``pgbouncer=true``."""
    parts = urlsplit(url)
    query = "&".join(p for p in parts.query.split("&") if p and not p.startswith("pgbouncer="))
    return parts._replace(scheme="postgresql", query=query).geturl()


def _enable_wal(path: str) -> None:
    """WAL lets the server read while the worker writes; the mode persists in the file."""
    connection = sqlite3.connect(path, timeout=30)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
    finally:
        connection.close()


def bind_engine(engine: Engine, tables: Iterable[type[Table]]) -> None:  # type: ignore[type-arg]
    """Point the given tables, Piccolo's migration table and ``piccolo_conf.DB`` at ``engine``."""
    from piccolo.apps.migrations.tables import Migration

    from b2a.db import piccolo_conf

    piccolo_conf.DB = engine
    bound: list[type[Table]] = [*tables, Migration]
    for table in bound:
        table._meta.db = engine


async def start_pool(engine: Engine, *, max_size: int = 10) -> None:  # type: ignore[type-arg]
    """Open the PostgreSQL connection pool (SQLite has none).

    One connection opens now, so a wrong URL fails at startup; the rest open when
    the load needs them, up to ``max_size``. asyncpg's default would open ten at
    once in every process, idle ones included, and refuse a ``max_size`` below ten.
    Before that, a transaction-mode pooler in front of PostgreSQL turns the
    prepared-statement cache off, whatever its port or URL.
    """
    if isinstance(engine, PostgresEngine):
        await match_pooler(engine)
        await engine.start_connection_pool(min_size=1, max_size=max_size)


async def match_pooler(engine: PostgresEngine) -> None:
    """Turn the statement cache off behind a transaction-mode pooler (b2a/db/pooler.py).

    ``start_pool`` does it; an engine used without a pool (a connection per
    query) needs it too: each new connection numbers its statements from 1
    again, and the server connection it borrows may still hold that name.
    """
    if engine.config.get("statement_cache_size") == 0:
        return
    if await detect_pooling(engine.config["dsn"]) is Pooling.TRANSACTION:
        engine.config["statement_cache_size"] = 0
        log.info("a transaction-mode pooler serves the database: prepared-statement cache off")


CLOSE_POOL_SECONDS = 5.0


async def close_pool(engine: Engine, *, timeout: float = CLOSE_POOL_SECONDS) -> None:  # type: ignore[type-arg]
    """Close the PostgreSQL connection pool if one is open, within ``timeout`` seconds.

    asyncpg's ``Pool.close()`` waits, with no limit, until every checked-out
    connection comes back; one that never does (its task stuck or its
    connection lost) would keep the process from ever stopping. After
    ``timeout`` the pool is terminated: its connections are cut, and PostgreSQL
    rolls back whatever they had open.
    """
    if not isinstance(engine, PostgresEngine) or engine.pool is None:
        return
    pool = engine.pool
    try:
        await asyncio.wait_for(asyncio.shield(pool.close()), timeout)
    except TimeoutError:
        log.warning(
            "database connections still in use after %.0f s at shutdown; closing them", timeout
        )
        pool.terminate()
    engine.pool = None
