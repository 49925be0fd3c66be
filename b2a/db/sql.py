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

A lookup by primary key checks the tenant (and any state) as
``WHERE id = :id AND (tenant = :tenant) IS TRUE``: the same rows as ``=`` in a
WHERE clause, but no index can serve a condition wrapped in ``IS TRUE``. asyncpg
prepares each statement once per connection and PostgreSQL then caches a generic
plan, made with whatever the planner knew at that moment; made while the tables
were empty (a fresh install, a benchmark), it picked any (tenant, …) index as
readily as the primary key and then walked all of a tenant's rows for every lookup
(7.8 ms at 20k messages instead of 0.1 ms). With the tenant out of reach only the
primary key serves it, whatever the table's size or statistics. Other lookups do
the same for every condition but the ones their index is for
(docs/decisions.md, "Plans from the first message"; tests/integration/test_plans.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
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

    def positional(self, params: Mapping[str, Any]) -> tuple[str, list[Any]]:
        """The PostgreSQL text (``$1``…) and its arguments in order, as asyncpg takes them."""
        self._check(params)
        return self._postgres, [params[name] for name in self._order]

    def _check(self, params: Mapping[str, Any]) -> None:
        if params.keys() != self.parameters:
            missing = sorted(self.parameters - params.keys())
            unknown = sorted(params.keys() - self.parameters)
            raise TypeError(f"{self!r}: missing parameters {missing}, unknown {unknown}")


def each_row(count: int, row: str, separator: str = ", ") -> str:
    """``row`` (with ``{n}`` where each row's parameters differ) repeated ``count`` times.

    For the statements of a batch: with ``separator=" UNION ALL "`` one lookup
    per row in one statement (rows to insert go through ``insert_rows``).
    """
    return separator.join(row.replace("{n}", str(n)) for n in range(count))


def listed(name: str, count: int) -> str:
    """``:name0, :name1, …``: an ``IN`` list of ``count`` parameters."""
    return ", ".join(f":{name}{n}" for n in range(count))


def case_by_id(column: str, count: int, value: str = "") -> str:
    """Each row's own ``value`` by its id; ``ELSE`` the column, which gives PostgreSQL the type."""
    whens = " ".join(f"WHEN :id{n} THEN :{value or column}{n}" for n in range(count))
    return f"CASE id {whens} ELSE {column} END"


def one_by_one(count: int, update: str) -> Statement:
    """``update … RETURNING`` (``{n}`` for each row's parameters) once per row, in one statement.

    PostgreSQL only (SQLite cannot UPDATE in a CTE): each row's own single-row
    UPDATE in a CTE. A list of ids (``id IN (…)``) had a generic plan made while
    the table was small, a sequential scan kept as the table grew
    (tests/integration/test_plans.py), where a lookup of one id always takes the
    primary key.
    """
    steps = ", ".join(f"u{n} AS ({update.replace('{n}', str(n))})" for n in range(count))
    rows = " UNION ALL ".join(f"SELECT * FROM u{n}" for n in range(count))
    return Statement(f"WITH {steps} {rows}")


Column = tuple[str, str]
"""An inserted column and where its value comes from: a ``:parameter`` shared by every row,
or the PostgreSQL type of a value each row has its own of."""


@cache
def _insert(table: str, row: tuple[Column, ...], tail: str, count: int) -> Statement:
    """An INSERT of ``count`` rows, or on PostgreSQL (``count`` 0) of any number of them.

    PostgreSQL takes the rows as one array per column (``unnest``): one text,
    prepared once per connection, whatever the batch's size; nothing is looked
    up, so no plan can go wrong (storing: 0.33 → 0.23 ms client and 0.71 →
    0.55 ms PostgreSQL CPU a message against a VALUES list per size,
    docs/performance.md). SQLite has no arrays: a VALUES list sized to the rows.
    """
    columns = ", ".join(column for column, _ in row)
    if count:
        values = ", ".join(
            "(" + ", ".join(s if s.startswith(":") else f":{c}{n}" for c, s in row) + ")"
            for n in range(count)
        )
        return Statement(f"INSERT INTO {table} ({columns}) VALUES {values} {tail}")
    own = [(column, source) for column, source in row if not source.startswith(":")]
    arrays = ", ".join(f":{c}_rows::{'text' if s == 'json' else s}[]" for c, s in own)
    picked = ", ".join(
        s if s.startswith(":") else f"u.{c}::json" if s == "json" else f"u.{c}" for c, s in row
    )
    named = ", ".join(column for column, _ in own)
    return Statement(
        f"INSERT INTO {table} ({columns}) SELECT {picked}"
        f" FROM unnest({arrays}) AS u({named}) {tail}"
    )


def insert_rows(
    table: str,
    row: tuple[Column, ...],
    values: list[dict[str, Any]],
    tail: str = "",
    **shared: Any,
) -> tuple[Statement, dict[str, Any]]:
    """The statement inserting ``values`` (each row's own columns by name), and its parameters.

    ``row`` names every column in order (``Column``); ``shared`` gives the
    ``:parameters`` they share; ``tail`` follows (``ON CONFLICT``, ``RETURNING``).
    """
    postgres = on_postgres()
    params: dict[str, Any] = dict(shared)
    if postgres:
        for column in values[0]:
            params[f"{column}_rows"] = [v[column] for v in values]
    else:
        for n, v in enumerate(values):
            params.update({f"{column}{n}": value for column, value in v.items()})
    return _insert(table, row, tail, 0 if postgres else len(values)), params


def on_postgres() -> bool:
    """Whether the bound engine is PostgreSQL (a statement only it accepts may be chosen)."""
    return isinstance(piccolo_conf.DB, PostgresEngine)


async def fetch(statement: Statement, **params: Any) -> list[Row]:
    """Every row the statement returns (an empty list for one that returns none)."""
    engine = piccolo_conf.DB
    if isinstance(engine, PostgresEngine):
        return await _on_postgres(engine, *statement.positional(params))
    statement._check(params)
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
