"""``/api/v1/admin/users``: a super admin helps any user back in with a one-time reset link."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.params import JSONBody

from b2a.server.params import ActorDep
from b2a.server.web._pages import link_base
from b2a.tenants import recovery
from b2a.tenants.links import IssuedLink
from b2a.tenants.rules import Area
from b2a.tenants.schemas import ResetLinkIn


class AdminUserController(Controller):
    """Super admins only (``Area.ADMIN`` in the API guard)."""

    path = "/admin/users"
    tags = ["admin"]
    opt = {"area": Area.ADMIN}

    @post("/reset-link", summary="Make a one-time password reset link for a user")
    async def reset_link(
        self, actor: ActorDep, request: Request[Any, Any, Any], data: JSONBody[ResetLinkIn]
    ) -> IssuedLink:
        """Works for a day, once, with or without email; older reset links stop. Audited."""
        return await recovery.create_reset_link(actor, link_base(request), data.email)
