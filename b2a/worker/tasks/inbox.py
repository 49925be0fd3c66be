"""Inbound processing tasks: each stores one accepted event and announces it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from b2a.inbox import service as inbox
from b2a.lib import events
from b2a.tenants.scope import TenantScope


async def process_inbound(ctx: dict[str, Any], *, tenant_id: str, event_id: str) -> dict[str, Any]:
    """Store an accepted inbound message and publish it to the tenant's inbox."""
    stored = await inbox.store_inbound(TenantScope(UUID(tenant_id)), UUID(event_id))
    if not stored.duplicate:
        await events.publish(
            ctx["redis"],
            tenant_id,
            "message.created",
            conversation_id=stored.conversation_id,
            message_id=stored.message_id,
        )
    return {"message_id": str(stored.message_id), "duplicate": stored.duplicate}


async def apply_status(ctx: dict[str, Any], *, tenant_id: str, event_id: str) -> dict[str, Any]:
    """Apply a delivery update and publish the new state."""
    message_id = await inbox.apply_status(TenantScope(UUID(tenant_id)), UUID(event_id))
    if message_id is not None:
        await events.publish(ctx["redis"], tenant_id, "message.status", message_id=message_id)
    return {"message_id": str(message_id) if message_id else None}
