"""``/api/v1/dashboard`` and ``/api/v1/analytics``: the tenant's numbers, from real rows."""

from __future__ import annotations

from typing import Annotated

from litestar import get
from litestar.params import QueryParameter

from b2a.analytics import tenant as numbers
from b2a.analytics.tenant import Analytics, Dashboard
from b2a.server.params import ActorDep
from b2a.tenants.rules import Area


@get("/dashboard", tags=["analytics"], summary="Today at a glance", opt={"area": Area.DASHBOARD})
async def get_dashboard(actor: ActorDep) -> Dashboard:
    """Channel states, today's messages and assistant replies, open work, pending orders.

    Sandbox test chats are in none of the figures.
    """
    return await numbers.dashboard(actor)


@get(
    "/analytics",
    tags=["analytics"],
    summary="Charts over 7 or 30 days (tenant admins)",
    opt={"area": Area.ANALYTICS},
)
async def get_analytics(
    actor: ActorDep,
    days: Annotated[int, QueryParameter(description="7 or 30 local days, today included.")] = 7,
    include_sandbox: Annotated[
        bool,
        QueryParameter(description="Count the sandbox's test chats too (left out by default)."),
    ] = False,
) -> Analytics:
    """Messages per day, assistant vs team, escalations, conversion, assistant usage and cost."""
    return await numbers.analytics(actor, days=days, include_sandbox=include_sandbox)
