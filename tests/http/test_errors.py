"""The one mapping of domain errors to HTTP answers."""

import pytest
from litestar import Litestar, get
from litestar.exceptions import ImproperlyConfiguredException
from litestar.testing import TestClient

from b2a.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    Invalid,
    LimitExceeded,
    NotFound,
    PayloadTooLarge,
    TransportError,
    Unauthorized,
    Unavailable,
)
from b2a.server.errors import EXCEPTION_HANDLERS

CASES = [
    (BadRequest("the body is not valid JSON."), 400, "BAD_REQUEST"),
    (NotFound("Order not found."), 404, "NOT_FOUND"),
    (Forbidden("no"), 403, "FORBIDDEN"),
    (Unauthorized("who?"), 401, "UNAUTHORIZED"),
    (Conflict("x@y.z already has an account.", code="EMAIL_EXISTS"), 409, "EMAIL_EXISTS"),
    (Invalid("bad", field="email"), 422, "VALIDATION_ERROR"),
    (PayloadTooLarge("too big"), 413, "PAYLOAD_TOO_LARGE"),
    (LimitExceeded("slow down"), 429, "LIMIT_EXCEEDED"),
    (Unavailable("db down", code="DB_UNAVAILABLE"), 503, "DB_UNAVAILABLE"),
    (TransportError("window closed", permanent=True), 502, "TRANSPORT_ERROR"),
    (RuntimeError("SELECT * FROM secret_table"), 500, "INTERNAL_ERROR"),
]


@pytest.mark.parametrize(("error", "status", "code"), CASES)
def test_each_error_has_its_status_and_stable_code(error, status, code):
    @get("/boom", sync_to_thread=False)
    def boom() -> None:
        raise error

    with TestClient(Litestar([boom], exception_handlers=EXCEPTION_HANDLERS)) as client:
        response = client.get("/boom")
    assert response.status_code == status
    body = response.json()
    assert body["code"] == code
    assert "SELECT" not in response.text and "Traceback" not in response.text
    if isinstance(error, Invalid):
        assert body["field"] == "email"


def test_the_frameworks_own_500_shows_none_of_its_words():
    @get("/boom", sync_to_thread=False)
    def boom() -> None:
        raise ImproperlyConfiguredException(
            "'user' is not defined in scope, install an AuthMiddleware"
        )

    with TestClient(Litestar([boom], exception_handlers=EXCEPTION_HANDLERS)) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.json()["code"] == "INTERNAL_ERROR"
    assert "scope" not in response.text and "Middleware" not in response.text
