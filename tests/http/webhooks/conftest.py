"""The API's app, client and tokens, for webhook tests that also drive the API."""

from tests.clock import frozen_clock  # noqa: F401
from tests.http.api.conftest import app, client, tokens  # noqa: F401
