"""The AI usage report: per tenant and model over 7 or 30 days, cost, blocked reasons, charts."""

from __future__ import annotations

from typing import Any

from litestar import Response, get
from litestar.params import FromQuery

from b2a.analytics.platform import ai_usage_report
from b2a.analytics.tenant import PERIODS
from b2a.server.web._pages import current_actor, page
from b2a.server.web.admin._common import ADMIN, AnyRequest
from b2a.server.web.charts import bar_chart


@get("/admin/usage", opt=ADMIN, name="admin-usage")
async def usage_page(request: AnyRequest, days: FromQuery[int] = 7) -> Response[Any]:
    """Who used the assistant, with which model, at what cost, and why turns were refused."""
    report = await ai_usage_report(await current_actor(request), days=days)
    return await page(
        request,
        "admin/usage.html",
        days=days,
        periods=PERIODS,
        report=report,
        chart=bar_chart("Assistant turns per day (UTC)", report.days, report.per_day),
    )


HANDLERS = [usage_page]
