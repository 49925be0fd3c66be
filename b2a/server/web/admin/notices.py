"""What WhatsApp told the businesses: every tenant's open notices, for the operator to follow up."""

from __future__ import annotations

from typing import Any

from litestar import Response, get

from b2a.server.web._pages import current_actor, page
from b2a.server.web.admin._common import ADMIN, AnyRequest
from b2a.tenants.notices import open_notices


@get("/admin/notices", opt=ADMIN, name="admin-notices")
async def notices_page(request: AnyRequest) -> Response[Any]:
    """Open notices across tenants (bans, restrictions, rejected templates), the gravest first."""
    found = await open_notices(await current_actor(request))
    return await page(request, "admin/notices.html", notices=found)


HANDLERS: list[Any] = [notices_page]
