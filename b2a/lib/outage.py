"""Telling a lost connection to PostgreSQL or Redis from every other error.

While a dependency restarts, whatever uses it fails with its driver's
connection errors. That is an outage to wait out, not a bug: the server answers
503 with the code this gives (``b2a.server.errors``), the send job waits and
tries again without spending an attempt (``b2a.worker.tasks.outbox``).
"""

from __future__ import annotations

from asyncpg.exceptions import (
    AdminShutdownError,
    CannotConnectNowError,
    InterfaceError,
    InternalClientError,
    PostgresConnectionError,
)
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

REDIS = "REDIS_UNAVAILABLE"
DATABASE = "DB_UNAVAILABLE"
SOME_SERVICE = "UNAVAILABLE"


def unreachable(exc: BaseException) -> str | None:
    """The code of the dependency ``exc`` says is unreachable; None for any other error."""
    if isinstance(exc, RedisConnectionError | RedisTimeoutError):
        return REDIS
    if isinstance(exc, PostgresConnectionError | CannotConnectNowError | AdminShutdownError):
        return DATABASE
    if isinstance(exc, InterfaceError) and "closed" in str(exc):
        return DATABASE
    if isinstance(exc, InternalClientError) and "another operation" in str(exc):
        # A pooled connection PostgreSQL was shutting down as it was handed out.
        return DATABASE
    if isinstance(exc, ConnectionError | TimeoutError):
        # A refused or reset socket: asyncpg opening a connection to a stopped server.
        return SOME_SERVICE
    return None
