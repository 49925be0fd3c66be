"""CSRF protection for every state-changing request that a cookie authenticates.

The token is derived, never stored: an HMAC (with ``B2A_SECRET_KEY``) of the
session id for a logged-in browser, so it is per session and changes when the
id rotates at login; for a visitor without a session (the login, sign-up and
reset forms) an HMAC of a random nonce kept in an httpOnly cookie, so no
session has to be stored for them. Forms send it in the ``_csrf`` field,
htmx and scripts in the ``X-CSRF-Token`` header; a state-changing request
without the right one is refused with 403 ``CSRF_FAILED``.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection

from b2a.errors import Forbidden
from b2a.server.signing import mac
from b2a.server.websession import Visit, settings_of, visit

NONCE_COOKIE = "b2a_csrf"
FIELD = "_csrf"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FAILED = "this form has expired or did not come from b2a; reload the page and try again."


def _expected(secret: str, found: Visit, nonce: str) -> str | None:
    if found.session is not None:
        return mac(secret, "csrf-session", found.session.id)
    return mac(secret, "csrf-visitor", nonce) if nonce else None


async def csrf_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The token to embed in this response's forms (a visitor gets a nonce cookie)."""
    found = await visit(connection)
    secret = settings_of(connection).core.secret_key
    nonce = found.cookies_out.get(NONCE_COOKIE) or connection.cookies.get(NONCE_COOKIE, "")
    if found.session is None and not nonce:
        nonce = secrets.token_urlsafe(24)
        found.cookies_out[NONCE_COOKIE] = nonce
    if found.session is not None:
        return mac(secret, "csrf-session", found.session.id)
    return mac(secret, "csrf-visitor", nonce)


def _matches(expected: str | None, submitted: str) -> bool:
    return bool(expected and submitted and hmac.compare_digest(submitted, expected))


async def check_csrf_header(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """The API's check for cookie-authenticated calls: the token must be in the header.

    Raises:
        Forbidden: a state-changing call without the session's token (``CSRF_FAILED``).
    """
    if connection.scope.get("method", "GET") in SAFE_METHODS:
        return
    found = await visit(connection)
    expected = _expected(settings_of(connection).core.secret_key, found, "")
    if not _matches(expected, connection.headers.get(HEADER, "")):
        raise Forbidden(FAILED, code="CSRF_FAILED")


async def _submitted(request: Request[Any, Any, Any]) -> str:
    header = request.headers.get(HEADER, "")
    if header:
        return header
    content_type, _ = request.content_type
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        value = (await request.form()).get(FIELD, "")
        return value if isinstance(value, str) else ""
    return ""


async def check_csrf(request: Request[Any, Any, Any]) -> None:
    """Refuse a state-changing request without this browser's token.

    Raises:
        Forbidden: the token is missing or wrong (``CSRF_FAILED``).
    """
    if request.method in SAFE_METHODS:
        return
    found = await visit(request)
    expected = _expected(
        settings_of(request).core.secret_key, found, request.cookies.get(NONCE_COOKIE, "")
    )
    if not _matches(expected, await _submitted(request)):
        raise Forbidden(FAILED, code="CSRF_FAILED")
