"""One transaction on whichever engine the process bound."""

from __future__ import annotations

from typing import Any

from piccolo.engine.sqlite import SQLiteEngine, TransactionType

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
