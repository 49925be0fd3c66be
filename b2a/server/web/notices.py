"""The banners WhatsApp's news raises (``b2a.tenants.notices``): a tenant admin dismisses one.

The banners themselves are drawn by the layout on every page (``_pages.page``).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response, post
from litestar.params import FromPath

from b2a.server.flash import flash
from b2a.server.web._pages import current_actor, form_data, redirect, safe_next
from b2a.tenants import notices
from b2a.tenants.rules import Area, Role

AnyRequest = Request[Any, Any, Any]
DISMISS = {"area": Area.DASHBOARD, "roles": (Role.TENANT_ADMIN,)}


@post("/app/notices/{notice_id:uuid}/dismiss", opt=DISMISS)
async def dismiss_notice(request: AnyRequest, notice_id: FromPath[UUID]) -> Response[Any]:
    """Hide the banner for the whole team, then back to the page it was on."""
    await notices.dismiss_notice(await current_actor(request), notice_id)
    await flash(request, "The notice is dismissed; a new word from WhatsApp shows a new one.")
    return redirect(request, safe_next((await form_data(request)).get("next")))


HANDLERS: list[Any] = [dismiss_notice]
