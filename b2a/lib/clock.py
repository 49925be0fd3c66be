"""The current time, in one place, so tests can freeze it.

Code that must agree with a frozen test clock (expiring links, lockout windows)
reads ``clock.now()``; ``frozen`` pins it for the length of a ``with`` block.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

_pinned: datetime | None = None


def now() -> datetime:
    """The current time as an aware UTC datetime."""
    return _pinned if _pinned is not None else datetime.now(UTC)


class FrozenClock:
    """A pinned time that moves only when told to: ``advance(...)``, or ``at = …``."""

    def __init__(self, at: datetime) -> None:
        self._at = at

    @property
    def at(self) -> datetime:
        """The pinned time."""
        return self._at

    @at.setter
    def at(self, moment: datetime) -> None:
        global _pinned
        self._at = moment
        _pinned = moment

    def advance(self, by: timedelta | None = None, **delta: float) -> datetime:
        """Move the pinned time forward by ``by`` or by ``timedelta(**delta)``; the new time."""
        self.at = self._at + (by or timedelta(**delta))
        return self._at


@contextlib.contextmanager
def frozen(at: datetime | None = None) -> Iterator[FrozenClock]:
    """Pin ``now()`` (to ``at``, or to the moment of entry) inside the block."""
    global _pinned
    previous = _pinned
    pinned = FrozenClock((at or datetime.now(UTC)).astimezone(UTC))
    _pinned = pinned.at
    try:
        yield pinned
    finally:
        _pinned = previous
