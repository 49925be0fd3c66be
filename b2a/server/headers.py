"""Security headers on every response, pages, API, static files and errors alike.

The CSP allows scripts and styles from our own origin only (public pages
carrying the super admin's growth tags also allow exactly those vendors' origins): no inline
``<script>``, no ``style=`` attributes, no ``eval`` (htmx is configured not to
need it), and no framing by other sites. HSTS is sent only on https requests:
browsers ignore it over http, and it must never be sent by an appliance that
has no certificate.
"""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope


def content_security_policy(
    *, scripts: tuple[str, ...] = (), images: tuple[str, ...] = (), connect: tuple[str, ...] = ()
) -> str:
    """The policy, with extra origins for scripts, images and requests (growth tags only)."""
    extra = {"script": " ".join(scripts), "img": " ".join(images), "connect": " ".join(connect)}
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' {extra['script']}".strip(),
            "style-src 'self'",
            f"img-src 'self' data: {extra['img']}".strip(),
            f"connect-src 'self' {extra['connect']}".strip(),
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


CSP = content_security_policy()
# The origins each growth tag loads from and reports to, and nothing more.
GOOGLE_ANALYTICS = {
    "scripts": ("https://www.googletagmanager.com",),
    "images": ("https://www.google-analytics.com",),
    "connect": ("https://www.google-analytics.com", "https://region1.google-analytics.com"),
}
FACEBOOK_PIXEL = {
    "scripts": ("https://connect.facebook.net",),
    "images": ("https://www.facebook.com",),
    "connect": ("https://www.facebook.com",),
}


def growth_policy(*, google_analytics: bool, facebook_pixel: bool) -> str:
    """The policy of a public page carrying the enabled growth tags."""
    chosen = [
        origins
        for on, origins in ((google_analytics, GOOGLE_ANALYTICS), (facebook_pixel, FACEBOOK_PIXEL))
        if on
    ]
    return content_security_policy(
        scripts=tuple(o for c in chosen for o in c["scripts"]),
        images=tuple(o for c in chosen for o in c["images"]),
        connect=tuple(o for c in chosen for o in c["connect"]),
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
