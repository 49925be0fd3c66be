"""The web UI's credential: a session cookie naming a server-side session in Redis.

``visit`` reads the cookie once per request (cached on the connection) and
resolves it to the session and the ``Actor`` it stands for; an unknown,
expired or revoked id is simply no session (the id a client sends is never
adopted). ``log_in_response`` always opens a new session under a fresh id,
ending the one the browser had (session fixation), and ``log_out_response``
deletes it from Redis. Cookies are httpOnly and SameSite=Lax, and Secure when
the request came over TLS or the appliance's public address is https.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.types import Message, Scope

from b2a.lib.log import tenant_id
from b2a.server.headers import is_https
from b2a.settings import Settings
from b2a.tenants.actor import Actor
from b2a.tenants.sessions import (
    Lifetime,
    WebSession,
    close_session,
    open_session,
    read_session,
    session_actor,
)

SESSION_COOKIE = "b2a_session"
STATE_KEY = "b2a_visit"


@dataclass
class Visit:
    """What the request's cookies say about who is visiting."""

    session: WebSession | None
    actor: Actor | None
    ip: str
    cookies_out: dict[str, str | None] = field(default_factory=dict)  # None = delete


def settings_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Settings:
    """The app's settings."""
    settings: Settings = connection.app.state.settings
    return settings


def redis_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Any:
    """The app's Redis client."""
    return connection.app.state.redis


def lifetime(settings: Settings) -> Lifetime:
    """Session lifetimes from the settings, in seconds."""
    return Lifetime(
        idle=settings.auth.session_idle_minutes * 60,
        maximum=settings.auth.session_max_hours * 3600,
    )


def client_ip(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The caller's address (uvicorn resolves X-Forwarded-For from trusted proxies)."""
    return connection.client.host if connection.client else ""


async def visit(connection: ASGIConnection[Any, Any, Any, Any]) -> Visit:
    """The request's session and actor, read once and cached for the request."""
    cached: Visit | None = connection.scope.get(STATE_KEY)  # type: ignore[assignment]
    if cached is not None:
        return cached
    ip = client_ip(connection)
    session, actor = None, None
    session_id = connection.cookies.get(SESSION_COOKIE, "")
    if session_id:
        redis = redis_of(connection)
        session = await read_session(redis, session_id, lifetime(settings_of(connection)))
        actor = await session_actor(session, ip) if session else None
        if session is not None and actor is None:
            await close_session(redis, session)  # the user was removed or lost access
            session = None
    found = Visit(session, actor, ip)
    if actor is not None and actor.tenant_id is not None:
        tenant_id.set(str(actor.tenant_id))
    if session_id and session is None:
        found.cookies_out[SESSION_COOKIE] = None  # stop sending a dead id
    connection.scope[STATE_KEY] = found  # type: ignore[literal-required]
    return found


async def write_cookies(message: Message, scope: Scope) -> None:
    """``before_send`` hook: the cookies this request changed, on whatever response it got."""
    found: Visit | None = scope.get(STATE_KEY)  # type: ignore[assignment]
    if message["type"] != "http.response.start" or found is None or not found.cookies_out:
        return
    settings: Settings = scope["app"].state.settings
    secure = is_https(scope) or settings.server.behind_tls
    headers = MutableScopeHeaders.from_message(message)
    for name, value in found.cookies_out.items():
        cookie = Cookie(
            key=name,
            value=value or "",
            path="/",
            httponly=True,
            samesite="lax",
            secure=secure,
            max_age=0 if value is None else None,
        )
        headers.add("set-cookie", cookie.to_header(header=""))


async def log_in_response(
    connection: ASGIConnection[Any, Any, Any, Any], actor: Actor
) -> WebSession:
    """Start a session for ``actor`` under a new id, ending the browser's previous one."""
    found = await visit(connection)
    redis = redis_of(connection)
    if found.session is not None:
        await close_session(redis, found.session)
    if actor.user_id is None:
        raise ValueError("only users log in; the operator's CLI actor has no account")
    session = await open_session(redis, actor.user_id, lifetime(settings_of(connection)))
    found.session, found.actor = session, actor
    found.cookies_out[SESSION_COOKIE] = session.id
    return session


async def log_out_response(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """End the browser's session in Redis and drop its cookie."""
    found = await visit(connection)
    if found.session is not None:
        await close_session(redis_of(connection), found.session)
    found.session, found.actor = None, None
    found.cookies_out[SESSION_COOKIE] = None
