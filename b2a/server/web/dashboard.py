"""The front door (``/``) and the dashboard shell (``/app``)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get

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
    """The business at a glance; other pages are reached from the menu."""
    actor = await current_actor(request)
    return await page(request, "dashboard/index.html", workspace=await workspace(actor))


HANDLERS = [home, dashboard]
