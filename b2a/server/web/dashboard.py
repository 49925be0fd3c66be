"""The front door (``/``) and the dashboard (``/app``): the business today, and what needs doing."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get

from b2a.analytics import tenant as numbers
from b2a.server.web._pages import current_actor, page, redirect
from b2a.server.websession import visit
from b2a.tenants.overview import workspace
from b2a.tenants.rules import Area

AnyRequest = Request[Any, Any, Any]


@get("/", opt={"public": True}, name="home")
async def home(request: AnyRequest) -> Response[Any]:
    """Logged-in visitors go to the dashboard, others to the login page."""
    return redirect(request, "/app" if (await visit(request)).actor else "/login")


@get("/app", opt={"area": Area.DASHBOARD, "tenant_optional": True}, name="dashboard")
async def dashboard(request: AnyRequest) -> Response[Any]:
    """Channel states, today's numbers, the assistant's quota, open work and pending orders.

    Until a WhatsApp number is connected it points to onboarding. A super admin
    belongs to no business: their front door is the admin panel.
    """
    actor = await current_actor(request)
    if actor.is_super_admin and actor.tenant_id is None:
        return redirect(request, "/admin")
    found = await workspace(actor)
    today = await numbers.dashboard(actor) if found else None
    return await page(request, "dashboard/index.html", workspace=found, today=today)


HANDLERS = [home, dashboard]
