"""One transaction on whichever engine the process bound."""

from __future__ import annotations

from typing import Any

from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.table import Table

from b2a.db import piccolo_conf


def atomic() -> Any:
    """An async context manager running the queries inside it as one transaction.

    On SQLite the transaction takes the write lock up front (IMMEDIATE): a
    deferred one that upgrades later can fail at once with "database is locked"
    instead of waiting out the busy timeout like every other writer.
    """
    engine = piccolo_conf.DB
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


async def lock_row(table: type[Table], row_id: Any) -> None:
    """Hold one row until the ``atomic()`` block ends, so writers that lock it take turns.

    A check-then-write (is the slot free? then take it) is safe only when every
    writer locks the same row first. PostgreSQL locks it (``SELECT … FOR
    UPDATE``; the second writer waits, then its next query sees the first's
    commit). SQLite has no row locks, but ``atomic()`` there already holds the
    whole database's write lock, which is stronger.

    Raises:
        RuntimeError: called outside ``atomic()``, where the lock would end at once.
    """
    engine = piccolo_conf.DB
    if isinstance(engine, SQLiteEngine):
        return
    if engine.current_transaction.get() is None:
        raise RuntimeError("lock_row() only means something inside atomic().")
    key = table._meta.primary_key
    await table.select(key).where(key == row_id).lock_rows()
