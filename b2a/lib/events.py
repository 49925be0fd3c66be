"""Live events for the inbox: Redis pub/sub, one channel per tenant."""

from __future__ import annotations

import json
from typing import Any

from b2a.lib.redis import PREFIX


def channel_name(tenant_id: str) -> str:
    """The pub/sub channel a tenant's browsers listen on."""
    return f"{PREFIX}events:{tenant_id}"


async def publish(redis: Any, tenant_id: str, kind: str, **data: Any) -> None:
    """Tell the tenant's open inboxes that something changed."""
    await redis.publish(channel_name(tenant_id), json.dumps({"type": kind, **data}, default=str))
