"""A frozen clock for tests: ``b2a.lib.clock.now`` answers a time the test moves by hand.

Only code that asks ``clock.now()`` sees it (the seam exists for this); column
defaults and signature timestamps keep the real time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from b2a.lib import clock


class FrozenClock:
    """The time the test says it is."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> datetime:
        self.at += timedelta(**delta)
        return self.at


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    frozen = FrozenClock(datetime.now(UTC).replace(microsecond=0))
    monkeypatch.setattr(clock, "now", frozen.now)
    return frozen
