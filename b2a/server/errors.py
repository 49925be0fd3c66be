"""Domain errors mapped to HTTP once, for every route.

Bodies are ``{"code": …, "message": …}`` (plus ``field`` for validation errors):
stable codes for clients, messages safe to show, never a traceback or SQL.
Browsers (and htmx) asking for a page get the same code and message as an
HTML error page; the API, webhooks and health checks always get JSON.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ExceptionHandlersMap

from b2a.errors import (
    B2AError,
    BadRequest,
    ConfigError,
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
from b2a.lib import outage as outages
from b2a.lib.outage import unreachable

log = logging.getLogger(__name__)

MISSING_FIELD = re.compile(r"missing required field `([^`]+)`")

STATUS: dict[type[B2AError], int] = {
    BadRequest: 400,
    PayloadTooLarge: 413,
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


JSON_PREFIXES = ("/api", "/webhooks", "/health", "/ready")
ERROR_PAGE = "errors/error.html"


def wants_html(request: Request[Any, Any, Any]) -> bool:
    """Whether the caller is a browser asking for a page (not the API or a webhook)."""
    if request.url.path.startswith(JSON_PREFIXES):
        return False
    return "text/html" in request.headers.get("accept", "") or "hx-request" in request.headers


def _answer(request: Request[Any, Any, Any], status: int, body: dict[str, Any]) -> Response[Any]:
    engine = request.app.template_engine
    if engine is not None and wants_html(request):
        try:
            html = engine.get_template(ERROR_PAGE).render(status=status, **body)
        except Exception:
            log.exception("the error page itself failed; answering in JSON")
        else:
            return Response(html, status_code=status, media_type="text/html; charset=utf-8")
    return Response(body, status_code=status)


def domain_error(request: Request[Any, Any, Any], exc: B2AError) -> Response[Any]:
    """Render a domain error."""
    status = status_for(exc)
    if status >= 500:
        log.error("%s on %s %s: %s", exc.code, request.method, request.url.path, exc.message)
    return _answer(request, status, _body(exc.code, exc.message, exc.field))


def _invalid_field(extra: Any) -> str | None:
    """The body field a validation error is about; a missing one is named in msgspec's message."""
    errors = [e for e in (extra if isinstance(extra, list) else []) if isinstance(e, dict)]
    for error in errors:
        missing = MISSING_FIELD.search(str(error.get("message", "")))
        if error.get("key") == "data" and missing:
            return missing.group(1)
        if error.get("key"):
            return str(error["key"])
    return None


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """Render Litestar's own errors (routing, validation) in the same shape."""
    if isinstance(exc, ValidationException):
        field = _invalid_field(exc.extra)
        return _answer(request, 422, _body("VALIDATION_ERROR", "the request is not valid.", field))
    if exc.status_code >= 500:  # the framework's own mistake: its words are internals
        return unexpected_error(request, exc)
    code = HTTP_CODES.get(exc.status_code, "HTTP_ERROR")
    return _answer(request, exc.status_code, _body(code, str(exc.detail)))


def outage(exc: BaseException) -> Unavailable | None:
    """A lost connection to PostgreSQL or Redis as the 503 ``/ready`` gives; None otherwise.

    While a dependency restarts, requests fail with its driver's connection
    errors; they are an outage to wait out (Meta redelivers a webhook answered
    503), not a bug to log with a traceback (``b2a.lib.outage`` tells them apart).
    """
    code = unreachable(exc)
    if code is None:
        return None
    return Unavailable(_OUTAGE_WORDS[code], code=code)


_OUTAGE_WORDS = {
    outages.REDIS: "Redis is not reachable.",
    outages.DATABASE: "the database is not reachable.",
    outages.SOME_SERVICE: "a service b2a needs is not reachable.",
}


def unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Log the full error server-side and answer without any internals."""
    unavailable = outage(exc)
    if unavailable is not None:
        log.warning("%s on %s %s: %s", unavailable.code, request.method, request.url.path, exc)
        return _answer(request, 503, _body(unavailable.code, unavailable.message))
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _answer(
        request,
        HTTP_500_INTERNAL_SERVER_ERROR,
        _body("INTERNAL_ERROR", "something went wrong on our side; it has been logged."),
    )


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    B2AError: domain_error,
    HTTPException: http_error,
    Exception: unexpected_error,
}
