"""Who is calling: every request under ``/api/v1`` becomes an ``Actor`` before its handler runs.

Authentication happens once, in a middleware on the API router, so no handler
can forget it; a route opts out only with ``opt={"exclude_from_auth": True}``.
Today the one credential is a per-user API token (``Authorization: Bearer``);
the web UI's session cookie will be a second source in ``authenticate``, and
everything downstream (guards, the ``actor`` dependency, services) stays the same.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from b2a.errors import Forbidden, Unauthorized
from b2a.tenants.actor import Actor
from b2a.tenants.api_tokens import verify_api_token

BEARER = "bearer "


def _bearer_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    header = connection.headers.get("authorization", "")
    return header[len(BEARER) :].strip() if header.lower().startswith(BEARER) else ""


async def authenticate(connection: ASGIConnection[Any, Any, Any, Any]) -> Actor:
    """The actor behind the request's credentials.

    Raises:
        Unauthorized: no credentials, or unknown, revoked or disabled ones.
    """
    token = _bearer_token(connection)
    actor = await verify_api_token(token) if token else None
    if actor is None:
        raise Unauthorized("send a valid API token as 'Authorization: Bearer <token>'.")
    return replace(actor, ip=connection.client.host if connection.client else "")


class ApiAuthentication(AbstractAuthenticationMiddleware):
    """Sets ``request.user`` to the calling ``Actor``, or answers 401."""

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        """Resolve the credentials (see ``authenticate``)."""
        return AuthenticationResult(user=await authenticate(connection), auth=None)


def tenant_member(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """Guard: the tenant API is for members of a tenant (a super admin has none)."""
    if handler.opt.get("exclude_from_auth"):
        return
    actor: Actor = connection.user
    if actor.tenant_id is None:
        raise Forbidden("the tenant API is for members of a tenant.")


def provide_actor(request: Request[Actor, Any, Any]) -> Actor:
    """The ``actor`` dependency every API handler declares."""
    return request.user
