"""API tokens and a frozen clock, for webhook tests that also drive the API."""

from tests.clock import frozen_clock  # noqa: F401
from tests.http.api.conftest import tokens  # noqa: F401
