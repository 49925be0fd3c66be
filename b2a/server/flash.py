"""One-time messages shown on the next page ("Invitation sent"), kept in a signed cookie.

A cookie rather than the session, so visitors who are not logged in (after a
password reset, say) get them too without a session being stored; signed, so
nobody can make b2a display text it did not write.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection

from b2a.server.signing import sign, unsign
from b2a.server.websession import settings_of, visit

COOKIE = "b2a_flash"
KINDS = ("success", "info", "error")


@dataclass(frozen=True)
class Flash:
    """A message and its kind (success, info or error)."""

    kind: str
    text: str


def _encode(messages: list[Flash]) -> str:
    raw = json.dumps([[m.kind, m.text] for m in messages]).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _decode(value: str) -> list[Flash]:
    try:
        items = json.loads(base64.urlsafe_b64decode(value.encode()))
        return [Flash(str(kind), str(text)) for kind, text in items if kind in KINDS]
    except (ValueError, TypeError):
        return []


async def flash(
    connection: ASGIConnection[Any, Any, Any, Any], text: str, kind: str = "success"
) -> None:
    """Show ``text`` on the next page this browser loads."""
    found = await visit(connection)
    secret = settings_of(connection).core.secret_key
    pending = _pending(connection, secret)
    pending.append(Flash(kind, text))
    found.cookies_out[COOKIE] = sign(secret, "flash", _encode(pending))


def _pending(connection: ASGIConnection[Any, Any, Any, Any], secret: str) -> list[Flash]:
    found = connection.scope.get("b2a_visit")
    value = found.cookies_out.get(COOKIE) if found is not None else None  # type: ignore[attr-defined]
    if not value:
        return []
    payload = unsign(secret, "flash", value)
    return _decode(payload) if payload else []


async def take_flashes(connection: ASGIConnection[Any, Any, Any, Any]) -> list[Flash]:
    """The messages waiting for this page; they are cleared as they are shown."""
    signed = connection.cookies.get(COOKIE, "")
    if not signed:
        return []
    found = await visit(connection)
    if COOKIE not in found.cookies_out:
        found.cookies_out[COOKIE] = None
    payload = unsign(settings_of(connection).core.secret_key, "flash", signed)
    return _decode(payload) if payload else []
