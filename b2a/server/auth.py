"""Who is calling: every request under ``/api/v1`` becomes an ``Actor`` before its handler runs.

Authentication happens once, in a middleware on the API router, so no handler
can forget it; a route opts out only with ``opt={"exclude_from_auth": True}``.
Two credentials lead to the same ``Actor``: a per-user API token
(``Authorization: Bearer``), and the web UI's session cookie
(``server/websession.py``), for which a state-changing request must also carry
the session's CSRF token in ``X-CSRF-Token``. Everything downstream (guards, the
``actor`` dependency, services and their role checks) is the same for both.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from b2a.errors import Forbidden, Unauthorized
from b2a.lib.log import tenant_id
from b2a.server.csrf import check_csrf_header
from b2a.server.websession import SESSION_COOKIE, client_ip, visit
from b2a.tenants.actor import Actor
from b2a.tenants.api_tokens import verify_api_token
from b2a.tenants.rules import Area, Role

BEARER = "bearer "
TENANT_ADMINS: dict[str, Any] = {"roles": (Role.TENANT_ADMIN,)}
"""A route's ``opt`` for tenant admins only, within its area."""


def _bearer_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    header = connection.headers.get("authorization", "")
    return header[len(BEARER) :].strip() if header.lower().startswith(BEARER) else ""


async def authenticate(connection: ASGIConnection[Any, Any, Any, Any]) -> Actor:
    """The actor behind the request's credentials.

    Raises:
        Unauthorized: no credentials, or unknown, revoked or disabled ones.
    """
    token = _bearer_token(connection)
    if token:
        actor = await verify_api_token(token)
        if actor is not None:
            if actor.tenant_id is not None:
                tenant_id.set(str(actor.tenant_id))
            return replace(actor, ip=client_ip(connection))
    elif connection.cookies.get(SESSION_COOKIE):
        found = await visit(connection)
        if found.actor is not None:
            await check_csrf_header(connection)
            return found.actor
    raise Unauthorized("send a valid API token as 'Authorization: Bearer <token>'.")


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
    """Guard: members of a tenant (a super admin has none) whose role the route's area admits.

    Every API route declares ``opt={"area": Area.…}`` (on its controller) and,
    when only tenant admins may use it, ``TENANT_ADMINS``: the same ``rules.ACCESS``
    table the web pages are gated by, checked before the body is read. The
    domain checks roles again. ``Area.ADMIN`` routes (``/api/v1/admin``) are for
    super admins only.
    """
    if handler.opt.get("exclude_from_auth") or connection.scope.get("method") == "OPTIONS":
        # Litestar answers OPTIONS itself (204 and Allow, no data), as the authentication
        # middleware lets it through: there is no actor, and nothing to guard.
        return
    actor: Actor = connection.user
    area = handler.opt.get("area")
    if area is None:
        raise RuntimeError(f"API route {connection.url.path} declares no area")
    if area is Area.ADMIN:
        if not actor.is_super_admin:
            raise Forbidden("the admin API is for super admins.")
        return
    if actor.tenant_id is None:
        raise Forbidden("the tenant API is for members of a tenant.")
    actor.require_area(area)
    if handler.opt.get("roles"):
        actor.require(*handler.opt["roles"])


def provide_actor(request: Request[Actor, Any, Any]) -> Actor:
    """The ``actor`` dependency every API handler declares."""
    return request.user
