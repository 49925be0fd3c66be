"""The planner's statistics: ANALYZE the tables that hold enough rows to describe.

PostgreSQL plans from statistics that ANALYZE gathers, and normally autovacuum
keeps them fresh. A table nobody analysed yet is assumed to hold at least
``MIN_PAGES`` pages, so plans made while it is small still use its indexes. An
analysed table is taken at its word: one analysed while empty reads as empty,
and a statement prepared then is cached with a sequential scan (the whole table,
every tenant, on every call) that outlives the table's growth until something
analyses it again, which on a server with autovacuum off is never (measured in
docs/performance.md, "Plans from the first message"). So ``refresh_statistics``
analyses only tables of at least ``MIN_PAGES`` pages and leaves smaller ones
unknown; ``b2a init``, ``b2a migrate`` and ``b2a restore`` call it.

SQLite is left alone: without ``sqlite_stat1`` it plans each statement from the
indexes alone, which picks the primary key and the unique indexes our lookups
are written for, and it caches no plan across a table's growth.
"""

from __future__ import annotations

from piccolo.engine.postgres import PostgresEngine

from b2a.db import piccolo_conf
from b2a.db.sql import Statement, execute, fetch

MIN_PAGES = 10
"""The size PostgreSQL assumes for a table never analysed (``estimate_rel_size``)."""

_BIG_TABLES = Statement(
    """SELECT c.relname AS name, c.reltuples < 0 AS never_analysed FROM pg_class c
    WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
        AND pg_relation_size(c.oid) >= :pages * current_setting('block_size')::int
    ORDER BY c.relname"""
)
_AUTOVACUUM = Statement("SELECT setting FROM pg_settings WHERE name = 'autovacuum'")


def _on_postgres() -> bool:
    return isinstance(piccolo_conf.DB, PostgresEngine)


async def refresh_statistics() -> list[str]:
    """ANALYZE every table of the bound PostgreSQL database big enough to describe.

    Returns the tables analysed (none on SQLite, and none on a fresh install).
    """
    if not _on_postgres():
        return []
    names = [row["name"] for row in await fetch(_BIG_TABLES, pages=MIN_PAGES)]
    if names:
        await execute(Statement("ANALYZE " + ", ".join(f'"{name}"' for name in names)))
    return names


async def tables_without_statistics() -> list[str]:
    """Tables of at least ``MIN_PAGES`` pages never analysed (a restore, autovacuum off)."""
    if not _on_postgres():
        return []
    rows = await fetch(_BIG_TABLES, pages=MIN_PAGES)
    return [row["name"] for row in rows if row["never_analysed"]]


async def autovacuum_on() -> bool | None:
    """Whether PostgreSQL's autovacuum runs (None on SQLite, which has none)."""
    if not _on_postgres():
        return None
    row = (await fetch(_AUTOVACUUM))[0]
    return bool(row["setting"] == "on")
