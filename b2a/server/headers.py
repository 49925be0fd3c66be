"""Security headers on every response, pages, API, static files and errors alike.

The CSP allows scripts and styles from our own origin only: no inline
``<script>``, no ``style=`` attributes, no ``eval`` (htmx is configured not to
need it), and no framing by other sites. HSTS is sent only on https requests:
browsers ignore it over http, and it must never be sent by an appliance that
has no certificate.
"""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
ALWAYS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
HSTS = "max-age=31536000"


def is_https(scope: Scope) -> bool:
    """Whether the request came over TLS (directly, or from a trusted proxy via uvicorn)."""
    return scope.get("scheme") in ("https", "wss")


async def add_security_headers(message: Message, scope: Scope) -> None:
    """``before_send`` hook: runs for every response, unmatched routes' 404s included."""
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    for name, value in ALWAYS.items():
        if name not in headers:
            headers[name] = value
    if is_https(scope):
        headers["strict-transport-security"] = HSTS
