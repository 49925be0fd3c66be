"""Live events from the worker's jobs: the events of concurrent jobs share one Redis round trip."""

from __future__ import annotations

from typing import Any

from b2a.lib import events


async def announce(ctx: dict[str, Any], tenant_id: str, kind: str, **data: Any) -> str:
    """Publish a live event with the others the worker's jobs make now (``events.Publisher``)."""
    publisher: events.Publisher | None = ctx.get("events")
    if publisher is None:  # a task called outside the worker (a script)
        return await events.publish(ctx["redis"], tenant_id, kind, **data)
    return await publisher.publish(tenant_id, kind, **data)
