"""``/api/v1/dashboard`` and ``/api/v1/analytics``: the tenant's numbers, from real rows."""

from __future__ import annotations

from litestar import get
from litestar.params import Parameter

from b2a.analytics import tenant as numbers
from b2a.analytics.tenant import Analytics, Dashboard
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Area


@get("/dashboard", tags=["analytics"], summary="Today at a glance", opt={"area": Area.DASHBOARD})
async def get_dashboard(actor: Actor) -> Dashboard:
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
    actor: Actor,
    days: int = Parameter(default=7, description="7 or 30 local days, today included."),
    include_sandbox: bool = Parameter(
        default=False, description="Count the sandbox's test chats too (left out by default)."
    ),
) -> Analytics:
    """Messages per day, assistant vs team, escalations, conversion, assistant usage and cost."""
    return await numbers.analytics(actor, days=days, include_sandbox=include_sandbox)
