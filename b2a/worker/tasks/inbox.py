"""Inbound processing tasks: each stores one accepted event and announces it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from b2a.inbox import service as inbox
from b2a.inbox import updates
from b2a.inbox.annotations import Annotation
from b2a.inbox.channels import cloud_credentials
from b2a.inbox.media import adopt_inbound_media, save_message_media
from b2a.inbox.rules import Transport
from b2a.inbox.service import StoredInbound
from b2a.inbox.tables import Channel, Message
from b2a.lib import events, queue
from b2a.lib.crypto import SecretBox
from b2a.outbox.auto_replies import hand_over_reason, reply_step
from b2a.settings import Settings
from b2a.tenants.scope import TenantScope
from b2a.whatsapp.cloud_api import CloudApiClient


async def process_inbound(ctx: dict[str, Any], *, tenant_id: str, event_id: str) -> dict[str, Any]:
    """Store an accepted inbound message, publish it, then run the reply step once.

    A reaction, edit or deletion only changes the message it names: the open
    thread is told to refresh, and nothing automatic follows.
    """
    scope = TenantScope(UUID(tenant_id))
    stored = await inbox.store_inbound(scope, UUID(event_id))
    if isinstance(stored, Annotation):
        return await _annotated(ctx, tenant_id, stored)
    if (stored.media_id or stored.media_file) and not await _has_media(scope, stored.message_id):
        await _keep_media(ctx, scope, stored)
    if not stored.duplicate:
        await events.publish(
            ctx["redis"],
            tenant_id,
            "message.created",
            conversation_id=stored.conversation_id,
            message_id=stored.message_id,
        )
    replies = await reply_step(scope, stored)
    if hand_over_reason(stored.kind, stored.text):
        await events.publish(
            ctx["redis"], tenant_id, "conversation.updated", conversation_id=stored.conversation_id
        )
    return {
        "message_id": str(stored.message_id),
        "duplicate": stored.duplicate,
        "replies": [str(r) for r in replies],
    }


async def _annotated(ctx: dict[str, Any], tenant_id: str, done: Annotation) -> dict[str, Any]:
    if done.message_id is not None:
        await events.publish(
            ctx["redis"],
            tenant_id,
            "message.updated",
            conversation_id=done.conversation_id,
            message_id=done.message_id,
        )
    return {"kind": done.kind, "outcome": done.outcome, "message_id": str(done.message_id or "")}


async def apply_status(ctx: dict[str, Any], *, tenant_id: str, event_id: str) -> dict[str, Any]:
    """Apply a delivery update and publish the new state."""
    message_id = await inbox.apply_status(TenantScope(UUID(tenant_id)), UUID(event_id))
    if message_id is not None:
        await events.publish(ctx["redis"], tenant_id, "message.status", message_id=message_id)
    return {"message_id": str(message_id) if message_id else None}


async def apply_update(ctx: dict[str, Any], *, tenant_id: str, event_id: str) -> dict[str, Any]:
    """Apply a business-side change (templates, account, preferences)."""
    outcome = await updates.apply_update(TenantScope(UUID(tenant_id)), UUID(event_id))
    return {"outcome": outcome}


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


async def _has_media(scope: TenantScope, message_id: UUID) -> bool:
    return bool((await scope.get(Message, message_id)).media_path)


async def _keep_media(ctx: dict[str, Any], scope: TenantScope, stored: StoredInbound) -> None:
    """Give the message its file: the one the WhatsApp-Web session staged, or Meta's copy."""
    settings: Settings = ctx["settings"]
    media_root = settings.core.media_root
    if stored.media_file:
        await adopt_inbound_media(scope, stored.message_id, stored.media_file, media_root)
    else:
        await _copy_cloud_media(ctx, scope, stored, media_root)


async def _copy_cloud_media(
    ctx: dict[str, Any], scope: TenantScope, stored: StoredInbound, media_root: Path
) -> None:
    """Copy Meta's media into our storage now: its download link expires within minutes."""
    settings: Settings = ctx["settings"]
    channel = await scope.get(Channel, stored.channel_id)
    if channel.transport != Transport.CLOUD:
        return
    credentials = cloud_credentials(channel, SecretBox(settings.core.encryption_key))
    client = CloudApiClient(ctx["http"], credentials, base_url=settings.whatsapp.graph_url)
    content, mime = await client.download_media(stored.media_id)
    await save_message_media(scope, stored.message_id, content, mime, media_root)
