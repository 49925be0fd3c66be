"""A frozen clock for tests, as a fixture: ``b2a.lib.clock.frozen`` for a whole test.

Only code that asks ``clock.now()`` sees it (the seam exists for this); column
defaults and signature timestamps keep the real time.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from b2a.lib import clock


@pytest.fixture
def frozen_clock() -> Iterator[clock.FrozenClock]:
    with clock.frozen(datetime.now(UTC).replace(microsecond=0)) as frozen:
        yield frozen
