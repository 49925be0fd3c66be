"""The team page: a tenant admin invites members, changes their roles and removes them.

An invitation's link is shown once, to copy and pass on; it is also emailed when
SMTP is set up, so a team can grow on a fresh install without email.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from b2a.errors import B2AError
from b2a.server.csrf import csrf_token
from b2a.server.flash import flash
from b2a.server.web._pages import (
    current_actor,
    form_data,
    form_error,
    link_base,
    page,
    redirect,
)
from b2a.server.websession import redis_of, settings_of
from b2a.system.email import email_ready
from b2a.tenants import team
from b2a.tenants.rules import TENANT_ROLES, Area

AnyRequest = Request[Any, Any, Any]
TEAM = {"area": Area.TEAM}
TEMPLATE = "team/index.html"


async def _team_page(request: AnyRequest, **context: Any) -> dict[str, Any]:
    actor = await current_actor(request)
    return {
        "members": await team.list_members(actor),
        "roles": TENANT_ROLES,
        "invitation": None,
        "email_ready": await email_ready(settings_of(request)),
        **context,
    }


@get("/app/team", opt=TEAM, name="team")
async def team_page(request: AnyRequest) -> Response[Any]:
    """Members, their roles, and the invitation form."""
    return await page(request, TEMPLATE, **await _team_page(request))


@post("/app/team/invite", opt=TEAM)
async def invite(request: AnyRequest) -> Response[Any]:
    """Invite someone: the page shows their one-time link to copy (and emails it if it can)."""
    values = await form_data(request)
    try:
        invitation = await team.invite_member(
            await current_actor(request),
            settings_of(request),
            link_base(request),
            email=values.get("email", ""),
            role=values.get("role", ""),
            name=values.get("name", ""),
        )
    except B2AError as exc:
        return await form_error(request, TEMPLATE, exc, values=values, **await _team_page(request))
    return await _show_link(request, invitation, status=201)


async def _show_link(
    request: AnyRequest, invitation: team.Invitation, *, status: int = 200
) -> Response[Any]:
    """The link, shown this once: in the member's row for htmx, else on the whole page."""
    if request.headers.get("hx-request"):
        context = {
            "member": invitation.member,
            "roles": TENANT_ROLES,
            "actor": await current_actor(request),
            "invitation": invitation,
            "csrf": await csrf_token(request),
        }
        return Template(template_name="team/_member.html", context=context)
    return await page(
        request, TEMPLATE, status=status, **await _team_page(request, invitation=invitation)
    )


@post("/app/team/{member_id:uuid}/role", opt=TEAM)
async def change_role(request: AnyRequest, member_id: FromPath[UUID]) -> Response[Any]:
    """Make a member TENANT_ADMIN or STAFF (htmx swaps just their row)."""
    values = await form_data(request)
    actor = await current_actor(request)
    try:
        member = await team.change_role(actor, member_id, values.get("role", ""))
    except B2AError as exc:
        if request.headers.get("hx-request"):
            raise
        return await form_error(request, TEMPLATE, exc, **await _team_page(request))
    if request.headers.get("hx-request"):
        context = {"member": member, "roles": TENANT_ROLES, "actor": actor, "saved": True}
        return Template(
            template_name="team/_member.html",
            context={**context, "csrf": await csrf_token(request)},
        )
    await flash(request, f"{member.email} is now {member.role.value}.")
    return redirect(request, "/app/team")


@post("/app/team/{member_id:uuid}/invitation", opt=TEAM)
async def renew(request: AnyRequest, member_id: FromPath[UUID]) -> Response[Any]:
    """A new invitation link for a pending member, shown once; the old link stops working."""
    try:
        invitation = await team.renew_invitation(
            await current_actor(request), settings_of(request), link_base(request), member_id
        )
    except B2AError as exc:
        if request.headers.get("hx-request"):
            raise
        return await form_error(request, TEMPLATE, exc, **await _team_page(request))
    return await _show_link(request, invitation)


@post("/app/team/{member_id:uuid}/revoke", opt=TEAM)
async def revoke(request: AnyRequest, member_id: FromPath[UUID]) -> Response[Any]:
    """Withdraw a pending invitation; its link stops working."""
    try:
        member = await team.revoke_invitation(await current_actor(request), member_id)
    except B2AError as exc:
        return await form_error(request, TEMPLATE, exc, **await _team_page(request))
    await flash(request, f"The invitation of {member.email} is revoked; its link no longer works.")
    return redirect(request, "/app/team")


@post("/app/team/{member_id:uuid}/remove", opt=TEAM)
async def remove(request: AnyRequest, member_id: FromPath[UUID]) -> Response[Any]:
    """Delete a member's account; they are signed out everywhere at once."""
    try:
        await team.remove_member(await current_actor(request), redis_of(request), member_id)
    except B2AError as exc:
        return await form_error(request, TEMPLATE, exc, **await _team_page(request))
    await flash(request, "The member is removed and signed out.")
    return redirect(request, "/app/team")


HANDLERS = [team_page, invite, change_role, renew, revoke, remove]
