"""The admin dashboard: tenants by status, today's traffic, revenue, numbers needing attention."""

from __future__ import annotations

from typing import Any

from litestar import Response, get

from b2a.analytics.platform import platform_dashboard
from b2a.billing.manual import list_manual_payments
from b2a.billing.rules import ReviewStatus
from b2a.server.web._pages import current_actor, page
from b2a.server.web.admin._common import ADMIN, AnyRequest


@get("/admin", opt=ADMIN, name="admin")
async def admin_dashboard(request: AnyRequest) -> Response[Any]:
    """The platform at a glance, with links to what waits for the operator."""
    actor = await current_actor(request)
    pending = await list_manual_payments(actor, status=ReviewStatus.PENDING)
    return await page(
        request,
        "admin/dashboard.html",
        found=await platform_dashboard(actor),
        pending_payments=len(pending),
    )


HANDLERS = [admin_dashboard]
