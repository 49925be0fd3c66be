"""Database constraint violations, recognised the same way on both engines.

Piccolo passes the driver's exception through: ``sqlite3.IntegrityError`` on SQLite,
asyncpg's ``UniqueViolationError`` on PostgreSQL.
"""

from __future__ import annotations

import sqlite3

from asyncpg.exceptions import UniqueViolationError


def is_unique_violation(exc: BaseException) -> bool:
    """Whether ``exc`` says a unique constraint rejected the write."""
    if isinstance(exc, UniqueViolationError):
        return True
    return isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc)
