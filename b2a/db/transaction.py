"""One transaction on whichever engine the process bound."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
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
    if isinstance(engine, PostgresEngine):
        return ReleasingTransaction(engine)
    return engine.transaction()


class ReleasingTransaction(PostgresTransaction):
    """Piccolo's PostgreSQL transaction, which always gives its connection back to the pool.

    Piccolo releases the connection only after a rollback or commit that
    succeeded. When PostgreSQL went away mid-transaction (a restart), or the task
    was cancelled during the rollback, the rollback raised and the connection
    stayed checked out for good; asyncpg's ``Pool.close()`` waits for every
    checked-out connection with no timeout, so a worker asked to stop after a
    PostgreSQL restart never stopped (docs/reliability.md, "Faults"). It also
    left the dead transaction as the task's current one, so the job's failure
    bookkeeping ran on a closed connection. Here the body's own error wins over
    a failed rollback, and the connection goes back (terminated if broken) and
    the current transaction is cleared whatever happens.
    """

    async def __aenter__(self) -> PostgresTransaction:
        if self._parent is not None:
            return self._parent
        self.connection = await self.get_connection()
        try:
            self.transaction = self.connection.transaction()
            await self.begin()
        except BaseException:
            await self._give_back(broken=True)
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent:
            return exception is None
        broken = False
        try:
            if exception is not None:
                if not self._rolled_back:
                    try:
                        await self.rollback()
                    except Exception:
                        broken = True  # the connection is dropped below; the body's error stands
            elif not self._committed and not self._rolled_back:
                try:
                    await self.commit()
                except Exception:
                    broken = self._lost()
                    raise
        except asyncio.CancelledError:
            broken = True  # cancelled mid-rollback or mid-commit: the connection's state is unknown
            raise
        finally:
            self.engine.current_transaction.reset(self.context)
            await self._give_back(broken=broken)
        return exception is None

    def _lost(self) -> bool:
        """Whether the connection is closed (asyncpg detaches one it lost from the pool)."""
        try:
            return bool(self.connection.is_closed())
        except Exception:  # "connection has been released back to the pool"
            return True

    async def _give_back(self, *, broken: bool) -> None:
        """Return the connection to the pool; a broken one is closed first, never reused."""
        if broken:
            with contextlib.suppress(Exception):
                self.connection.terminate()
        if self.engine.pool:
            with contextlib.suppress(Exception):  # a failed reset terminates it: nothing to do
                await self.engine.pool.release(self.connection)
        else:
            with contextlib.suppress(Exception):
                await self.connection.close()


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
