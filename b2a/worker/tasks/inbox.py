"""Inbound processing tasks: each stores one accepted event and announces it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from b2a.inbox import service as inbox
from b2a.lib import events, queue
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


async def requeue_stranded(ctx: dict[str, Any]) -> dict[str, int]:
    """Re-enqueue accepted events that were never processed (nothing accepted is lost)."""
    stranded = await inbox.stranded_events(older_than=timedelta(seconds=30))
    for event in stranded:
        await queue.enqueue(
            event.task,
            key=f"{event.task}:{event.event_id}",
            tenant_id=str(event.tenant_id),
            event_id=str(event.event_id),
        )
    return {"requeued": len(stranded)}
