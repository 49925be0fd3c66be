"""Database constraint violations, recognised the same way on both engines.

Piccolo passes the driver's exception through: ``sqlite3.IntegrityError`` on SQLite,
asyncpg's ``UniqueViolationError`` on PostgreSQL.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from asyncpg.exceptions import UniqueViolationError

from b2a.errors import Conflict


def is_unique_violation(exc: BaseException) -> bool:
    """Whether ``exc`` says a unique constraint rejected the write."""
    if isinstance(exc, UniqueViolationError):
        return True
    return isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc)


async def save_unique(row: Any, conflict: Conflict) -> None:
    """Save ``row``; when a unique constraint refuses it, raise ``conflict`` (what is taken).

    Outside any transaction the caller holds: PostgreSQL aborts a transaction on the
    violation, so the caller could not go on in it anyway.
    """
    try:
        await row.save()
    except Exception as exc:
        if is_unique_violation(exc):
            raise conflict from None
        raise
