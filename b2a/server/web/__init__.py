"""The server-rendered web UI: one module of page handlers per area, one router for all.

The router's ``before_request`` hook is the one gate every page goes through:
it checks the CSRF token of every state-changing request, sends visitors
without a session to the login page (unless the route is ``public``), and
refuses roles the page's ``area`` is not for (``rules.ACCESS``), the same
table that decides what the menu shows. A route may narrow its area further
with ``opt["roles"]`` (catalogue and template writes are for tenant admins).
See docs/architecture.md, "Web UI".
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, Router

from b2a.errors import Forbidden
from b2a.server.csrf import check_csrf
from b2a.server.web import (
    account,
    accounts,
    analytics,
    billing,
    catalog,
    customers,
    dashboard,
    labels,
    message_templates,
    notices,
    onboarding,
    orders,
    replies,
    schedules,
    settings,
    team,
)
from b2a.server.web import admin as admin_panel
from b2a.server.web import inbox as inbox_pages
from b2a.server.web import sandbox as sandbox_pages
from b2a.server.web._pages import login_url, redirect
from b2a.server.websession import visit

HANDLERS: list[Any] = [
    *accounts.HANDLERS,
    *dashboard.HANDLERS,
    *onboarding.HANDLERS,
    *analytics.HANDLERS,
    *settings.HANDLERS,
    *billing.HANDLERS,
    *team.HANDLERS,
    *account.HANDLERS,
    *inbox_pages.HANDLERS,
    *sandbox_pages.HANDLERS,
    *replies.HANDLERS,
    *labels.HANDLERS,
    *orders.HANDLERS,
    *catalog.HANDLERS,
    *message_templates.HANDLERS,
    *schedules.HANDLERS,
    *customers.HANDLERS,
    *notices.HANDLERS,
    # The super admin's panel (/admin).
    *admin_panel.HANDLERS,
]


async def guard_page(request: Request[Any, Any, Any]) -> Response[Any] | None:
    """CSRF, login and role checks before any page handler runs."""
    await check_csrf(request)
    opt = request.route_handler.opt
    if opt.get("public") or request.method == "OPTIONS":  # Litestar's own 204 with Allow
        return None
    actor = (await visit(request)).actor
    if actor is None:
        return redirect(request, login_url(request))
    area = opt.get("area")
    if area is None:
        raise RuntimeError(f"page {request.url.path} declares neither public nor an area")
    if actor.tenant_id is None and not opt.get("tenant_optional"):
        raise Forbidden("this page belongs to a business's panel; a super admin has none.")
    actor.require_area(area)
    if opt.get("roles"):
        actor.require(*opt["roles"])
    return None


def create_web_router() -> Router:
    """Every page of the web UI behind the one gate."""
    return Router(
        path="/", route_handlers=HANDLERS, before_request=guard_page, include_in_schema=False
    )
