"""Domain errors mapped to HTTP once, for every route.

Bodies are ``{"code": …, "message": …}`` (plus ``field`` for validation errors):
stable codes for clients, messages safe to show, never a traceback or SQL.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ExceptionHandlersMap

from b2a.errors import (
    B2AError,
    ConfigError,
    Conflict,
    Forbidden,
    Invalid,
    LimitExceeded,
    NotFound,
    TransportError,
    Unauthorized,
    Unavailable,
)

log = logging.getLogger(__name__)

STATUS: dict[type[B2AError], int] = {
    NotFound: 404,
    Forbidden: 403,
    Unauthorized: 401,
    Conflict: 409,
    Invalid: 422,
    LimitExceeded: 429,
    Unavailable: 503,
    TransportError: 502,
    ConfigError: 500,
}

HTTP_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    429: "LIMIT_EXCEEDED",
}


def status_for(exc: B2AError) -> int:
    """The HTTP status of a domain error (its most specific mapped class)."""
    for kind in type(exc).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 400


def _body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if field:
        body["field"] = field
    return body


def domain_error(request: Request[Any, Any, Any], exc: B2AError) -> Response[dict[str, Any]]:
    """Render a domain error."""
    status = status_for(exc)
    if status >= 500:
        log.error("%s on %s %s: %s", exc.code, request.method, request.url.path, exc.message)
    return Response(_body(exc.code, exc.message, exc.field), status_code=status)


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    """Render Litestar's own errors (routing, validation) in the same shape."""
    if isinstance(exc, ValidationException):
        extra = exc.extra if isinstance(exc.extra, list) else []
        field = next((e.get("key") for e in extra if isinstance(e, dict) and e.get("key")), None)
        return Response(
            _body("VALIDATION_ERROR", "the request is not valid.", field), status_code=422
        )
    code = HTTP_CODES.get(exc.status_code, "HTTP_ERROR")
    return Response(_body(code, str(exc.detail)), status_code=exc.status_code)


def unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    """Log the full error server-side and answer without any internals."""
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return Response(
        _body("INTERNAL_ERROR", "something went wrong on our side; it has been logged."),
        status_code=HTTP_500_INTERNAL_SERVER_ERROR,
    )


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    B2AError: domain_error,
    HTTPException: http_error,
    Exception: unexpected_error,
}
