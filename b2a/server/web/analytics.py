"""Analytics: the tenant's last 7 or 30 local days as charts, from ``analytics.tenant``."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.params import FromQuery

from b2a.analytics import tenant as numbers
from b2a.server.web._pages import current_actor, page
from b2a.server.web.charts import bar_chart
from b2a.tenants.rules import Area

AnyRequest = Request[Any, Any, Any]


@get("/app/analytics", opt={"area": Area.ANALYTICS}, name="analytics")
async def analytics_page(
    request: AnyRequest, days: FromQuery[int] = 7, include_sandbox: FromQuery[bool] = False
) -> Response[Any]:
    """Messages, assistant vs team, escalations, assistant usage, conversion, orders, cost.

    Sandbox test chats are left out unless ``include_sandbox`` (the page's switch).
    """
    found = await numbers.analytics(
        await current_actor(request), days=days, include_sandbox=include_sandbox
    )
    charts = [
        bar_chart("Messages per day", found.days, found.messages),
        bar_chart("Replies: assistant and team", found.days, found.handled),
        bar_chart("Escalations to the team", found.days, found.escalations),
        bar_chart("Assistant usage", found.days, found.ai_usage),
    ]
    return await page(
        request,
        "analytics/index.html",
        days=days,
        periods=numbers.PERIODS,
        found=found,
        charts=charts,
    )


HANDLERS = [analytics_page]
