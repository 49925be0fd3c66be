"""``/api/v1/team``: a tenant admin's members and invitations (each link returned once)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, delete, get, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody

from b2a.server.params import ActorDep
from b2a.server.web._pages import link_base
from b2a.tenants import team
from b2a.tenants.rules import Area
from b2a.tenants.schemas import InvitationIn


class TeamController(Controller):
    """Tenant admins only (``Area.TEAM``); the link in an answer is the only copy there is."""

    path = "/team"
    opt = {"area": Area.TEAM}
    tags = ["team"]

    @get("/", summary="List the members, pending invitations included")
    async def list_members(self, actor: ActorDep) -> list[team.Member]:
        """By email; ``invited`` is true until the member has set a password."""
        return await team.list_members(actor)

    @post("/invitations", summary="Invite a member; the answer carries their one-time link")
    async def invite(
        self,
        actor: ActorDep,
        state: State,
        request: Request[Any, Any, Any],
        data: JSONBody[InvitationIn],
    ) -> team.Invitation:
        """Emailed too when SMTP is set up (``emailed``); 409 EMAIL_EXISTS if in this team."""
        return await team.invite_member(
            actor,
            state.settings,
            link_base(request),
            email=data.email,
            role=data.role,
            name=data.name,
        )

    @post("/{member_id:uuid}/invitation", summary="A new link for a pending invitation")
    async def renew(
        self,
        actor: ActorDep,
        state: State,
        request: Request[Any, Any, Any],
        member_id: FromPath[UUID],
    ) -> team.Invitation:
        """The previous link stops working; 409 ALREADY_JOINED once they have set a password."""
        return await team.renew_invitation(actor, state.settings, link_base(request), member_id)

    @delete("/{member_id:uuid}/invitation", summary="Revoke a pending invitation")
    async def revoke(self, actor: ActorDep, member_id: FromPath[UUID]) -> None:
        """The pending account and its link are deleted; 409 ALREADY_JOINED for a member."""
        await team.revoke_invitation(actor, member_id)
