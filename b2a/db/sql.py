"""Hand-written SQL for the hottest statements, on whichever engine the process bound.

Piccolo builds every query from its column objects on each call, and on the
message pipeline that building was a third of the worker's CPU. A ``Statement``
is written once with named parameters (``:name``) and compiled once per engine:
PostgreSQL runs it straight on asyncpg (``$1``…, which asyncpg prepares once per
connection and reuses), SQLite through Piccolo's engine (``?``, with Piccolo's
type converters). Inside ``atomic()`` both run on the transaction's connection.

Only SQL that both engines accept belongs here: ``ON CONFLICT … DO NOTHING``,
``RETURNING``, ``CASE``, no casts and no ``now()`` (times are parameters, from
``b2a.lib.clock``). Tenant-owned tables are queried through ``TenantScope``
(``fetch``, ``fetchrow``, ``execute``), which binds ``:tenant`` and refuses a
statement that never mentions it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from piccolo.engine.postgres import PostgresEngine
from piccolo.querystring import QueryString

from b2a.db import piccolo_conf

Row = Mapping[str, Any]
"""A result row by column name (an asyncpg ``Record`` or Piccolo's SQLite dict)."""

# ``:name``, but not the second colon of a ``::`` cast or a colon inside a word.
_PARAMETER = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")


class Statement:
    """One SQL statement with ``:name`` parameters, compiled for both engines up front."""

    __slots__ = ("_occurrences", "_order", "_postgres", "_sqlite", "parameters", "text")

    def __init__(self, text: str) -> None:
        self.text = " ".join(text.split())
        if "{" in self.text or "}" in self.text:
            raise ValueError("braces are Piccolo's placeholders; keep them out of hand-written SQL")
        occurrences = _PARAMETER.findall(self.text)
        order = list(dict.fromkeys(occurrences))
        self._occurrences = tuple(occurrences)
        self._order = tuple(order)
        self.parameters = frozenset(order)
        self._postgres = _PARAMETER.sub(lambda m: f"${order.index(m[1]) + 1}", self.text)
        self._sqlite = _PARAMETER.sub("{}", self.text)

    def __repr__(self) -> str:
        return f"Statement({self.text!r})"

    def _check(self, params: Mapping[str, Any]) -> None:
        if params.keys() != self.parameters:
            missing = sorted(self.parameters - params.keys())
            unknown = sorted(params.keys() - self.parameters)
            raise TypeError(f"{self!r}: missing parameters {missing}, unknown {unknown}")


async def fetch(statement: Statement, **params: Any) -> list[Row]:
    """Every row the statement returns (an empty list for one that returns none)."""
    statement._check(params)
    engine = piccolo_conf.DB
    if isinstance(engine, PostgresEngine):
        return await _on_postgres(
            engine, statement._postgres, [params[n] for n in statement._order]
        )
    args = [params[name] for name in statement._occurrences]
    rows: list[Row] = await engine.run_querystring(QueryString(statement._sqlite, *args))
    return rows


async def fetchrow(statement: Statement, **params: Any) -> Row | None:
    """The first row the statement returns, or None."""
    rows = await fetch(statement, **params)
    return rows[0] if rows else None


async def execute(statement: Statement, **params: Any) -> None:
    """Run a statement for its effect."""
    await fetch(statement, **params)


async def _on_postgres(engine: PostgresEngine, sql: str, args: list[Any]) -> list[Row]:
    transaction = engine.current_transaction.get()
    if transaction is not None:
        rows: list[Row] = await transaction.connection.fetch(sql, *args)
        return rows
    if engine.pool is None:
        connection = await engine.get_new_connection()
        try:
            rows = await connection.fetch(sql, *args)
        finally:
            await connection.close()
        return rows
    async with engine.pool.acquire() as connection:
        rows = await connection.fetch(sql, *args)
    return rows
