"""Values the browser keeps but must not forge: HMAC-signed with ``B2A_SECRET_KEY``.

Each use has its own ``purpose``, so a value signed for one (a flash message)
is never accepted as another (a CSRF token).
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def _mac(secret: str, purpose: str, value: str) -> str:
    digest = hmac.new(secret.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign(secret: str, purpose: str, value: str) -> str:
    """``value`` with its signature appended (``value.signature``)."""
    return f"{value}.{_mac(secret, purpose, value)}"


def unsign(secret: str, purpose: str, signed: str) -> str | None:
    """The value if the signature is right, else None."""
    value, dot, mac = signed.rpartition(".")
    if not dot or not hmac.compare_digest(mac, _mac(secret, purpose, value)):
        return None
    return value


def mac(secret: str, purpose: str, value: str) -> str:
    """A signature alone (a token derived from ``value``)."""
    return _mac(secret, purpose, value)
