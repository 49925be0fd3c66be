"""The current time, in one place, so tests can freeze it."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)
