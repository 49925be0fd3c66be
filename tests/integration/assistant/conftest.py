"""Fixtures of the assistant's integration tests."""

from tests.clock import frozen_clock  # noqa: F401
