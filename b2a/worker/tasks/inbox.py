"""Inbound processing tasks: each stores one accepted event and announces it.

Each event task runs inside ``_bounded``: a failure is written on the event and
retried by the queue with backoff until its attempts run out, then the event is
dead (``b2a.inbox.recovery``) and its job ends without a further retry.

Every event keeps its own job, but the worker stores the events its jobs hold
at once together: ``process_inbound`` hands its event to the process's
``Batcher`` (``ctx["inbound"]``), which stores up to a job slot's worth in one
transaction (``b2a.inbox.batch``). When a batch fails, each job stores its own
event alone (``store_inbound``): only a poison event fails its attempt. The
reply step's transaction is shared the same way (``ctx["replies"]``,
``auto_replies.reply_batch``), with ``reply_step`` alone as its fallback; what
follows the commit (the turn) stays each job's own, and the sends meet again in
a third coalescer (``ctx["sends"]``, ``b2a.worker.tasks.outbox.send_now``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from functools import wraps
from pathlib import Path
from typing import Any
from uuid import UUID

from b2a.db.columns import json_value
from b2a.errors import Invalid, TransportError
from b2a.inbox import recovery, updates
from b2a.inbox import service as inbox
from b2a.inbox.annotations import Annotation
from b2a.inbox.batch import store_batch
from b2a.inbox.channels import cloud_credentials
from b2a.inbox.media import (
    adopt_inbound_media,
    forget_media,
    record_media_refused,
    save_message_media,
)
from b2a.inbox.rules import Direction, MessageKind, Owner, Transport
from b2a.inbox.service import StoredInbound
from b2a.inbox.tables import Channel, Message
from b2a.lib import tracing
from b2a.lib.batcher import Batcher, BatchFailed
from b2a.lib.crypto import SecretBox
from b2a.orders.carts import order_from_cart
from b2a.outbox.auto_replies import (
    StepDone,
    finish_reply_step,
    hand_over_reason,
    reply_batch,
    reply_step,
    takes_reply_step,
)
from b2a.outbox.queueing import enqueue_send
from b2a.settings import Settings, WorkerSettings
from b2a.tenants.scope import TenantScope
from b2a.whatsapp.cloud_api import CloudApiClient
from b2a.worker.live import announce
from b2a.worker.tasks.outbox import send_now

EventTask = Callable[..., Awaitable[dict[str, Any]]]
Stored = StoredInbound | Annotation


def inbound_batcher(settings: WorkerSettings) -> Batcher[tuple[UUID, UUID], Stored]:
    """The worker's coalescer of ``process_inbound`` events: one per job slot at most.

    A batch leaves ``batch_wait_ms`` after its first event, or sooner when full.
    """
    return Batcher(
        _store_together,
        size=settings.concurrency,
        wait=settings.batch_wait_ms / 1000,
        name="inbox.store_batch",
    )


async def _store_together(events: list[tuple[UUID, UUID]]) -> dict[tuple[UUID, UUID], Stored]:
    stored = await store_batch(events)
    return {(tenant_id, event_id): stored[event_id] for tenant_id, event_id in events}


def reply_batcher(settings: WorkerSettings) -> Batcher[tuple[UUID, StoredInbound], StepDone]:
    """The worker's coalescer of reply steps: the jobs' steps in one transaction (``reply_batch``).

    Like ``inbound_batcher``: a batch leaves ``batch_wait_ms`` after its first
    message, or sooner when full.
    """
    return Batcher(reply_batch, size=settings.concurrency, wait=settings.batch_wait_ms / 1000)


async def _store(ctx: dict[str, Any], scope: TenantScope, event_id: UUID) -> Stored:
    """The event stored with the others being processed now, or alone if their batch failed."""
    with tracing.span("inbox.store", attributes={"b2a.event_id": str(event_id)}) as span:
        stored = await _store_batched(ctx, scope, event_id, span)
        message_id = stored.message_id
        span.set(
            {
                "b2a.message_id": str(message_id) if message_id else None,
                "b2a.duplicate": getattr(stored, "duplicate", None),
            }
        )
        return stored


async def _store_batched(
    ctx: dict[str, Any], scope: TenantScope, event_id: UUID, span: tracing.Span
) -> Stored:
    batcher = ctx.get("inbound")
    if batcher is not None:
        with contextlib.suppress(BatchFailed):
            stored: Stored = await batcher.submit((scope.tenant_id, event_id))
            span.set({"b2a.batched": True})
            return stored
    span.set({"b2a.batched": False})
    return await inbox.store_inbound(scope, event_id)


async def _reply(ctx: dict[str, Any], scope: TenantScope, stored: StoredInbound) -> list[UUID]:
    """The reply step, its transaction shared with the others running now, or alone if it failed."""
    batcher = ctx.get("replies")
    if batcher is None or not takes_reply_step(stored):
        return await reply_step(scope, stored)
    try:
        done: StepDone = await batcher.submit((scope.tenant_id, stored))
    except BatchFailed:
        return await reply_step(scope, stored)
    return await finish_reply_step(scope, stored, done)


def _bounded(task: EventTask) -> EventTask:
    """Write a failed attempt on its event; after the last one, the event is dead, not retried."""

    @wraps(task)
    async def run(ctx: dict[str, Any], *, tenant_id: str, event_id: str) -> dict[str, Any]:
        try:
            return await task(ctx, tenant_id=tenant_id, event_id=event_id)
        except Exception as error:
            job = ctx.get("job")
            if job is None:  # called outside the queue (a script): its caller sees the error
                raise
            scope = TenantScope(UUID(tenant_id))
            last = not job.retryable
            if not await recovery.record_failure(
                scope, UUID(event_id), error, attempt=job.attempts, last=last
            ):
                raise
            return {"dead": True, "error": recovery.plain_error(error)}

    return run


@_bounded
async def process_inbound(ctx: dict[str, Any], *, tenant_id: str, event_id: str) -> dict[str, Any]:
    """Store an accepted inbound message, publish it, run the reply step once, send its reply.

    The reply step's replies are sent from this job, without a send job each
    (``send_now``): a job is queued only for a wait (pacing, a retry). Only the
    first is sent here: the others of its conversation wait behind it and are
    woken when it leaves (``b2a.outbox.ordering``).

    A customer's cart (kind ``order``) becomes an order request before the reply
    step. A reaction, edit or deletion only changes the message it names: the
    open thread is told to refresh, and nothing automatic follows.
    """
    scope = TenantScope(UUID(tenant_id))
    stored = await _store(ctx, scope, UUID(event_id))
    if isinstance(stored, Annotation):
        return await _annotated(ctx, tenant_id, stored)
    if (stored.media_id or stored.media_file) and not await _has_media(scope, stored.message_id):
        await _keep_media(ctx, scope, stored)
    if not stored.duplicate:
        await announce(
            ctx,
            tenant_id,
            "message.created",
            conversation_id=stored.conversation_id,
            message_id=stored.message_id,
            direction=Direction.OUTBOUND if stored.from_me else Direction.INBOUND,
        )
    await _order_from_cart(ctx, scope, stored)
    replies = await _reply(ctx, scope, stored)
    if reason := hand_over_reason(stored.kind, stored.text):
        # owner and reason, like the assistant's hand-over: the panel notifies of it.
        await announce(
            ctx,
            tenant_id,
            "conversation.updated",
            conversation_id=stored.conversation_id,
            owner=Owner.HUMAN,
            reason=reason,
        )
    if replies:
        # Sent now, in one batch with the other jobs' sends; the rest follow the first.
        await send_now(ctx, tenant_id, str(replies[0]))
    return {
        "message_id": str(stored.message_id),
        "duplicate": stored.duplicate,
        "replies": [str(r) for r in replies],
    }


async def _annotated(ctx: dict[str, Any], tenant_id: str, done: Annotation) -> dict[str, Any]:
    if done.forgotten_file:
        settings: Settings = ctx["settings"]
        await forget_media(settings.core.media_root, UUID(tenant_id), done.forgotten_file)
    if done.message_id is not None:
        await announce(
            ctx,
            tenant_id,
            "message.updated",
            conversation_id=done.conversation_id,
            message_id=done.message_id,
        )
    return {"kind": done.kind, "outcome": done.outcome, "message_id": str(done.message_id or "")}


@_bounded
async def apply_status(ctx: dict[str, Any], *, tenant_id: str, event_id: str) -> dict[str, Any]:
    """Apply a delivery update and publish the new state."""
    applied = await inbox.apply_status(TenantScope(UUID(tenant_id)), UUID(event_id))
    if applied.message_id is not None:
        await announce(ctx, tenant_id, "message.status", message_id=applied.message_id)
    message_id = str(applied.message_id) if applied.message_id else None
    return {"message_id": message_id, "outcome": applied.outcome}


@_bounded
async def apply_update(ctx: dict[str, Any], *, tenant_id: str, event_id: str) -> dict[str, Any]:
    """Apply a business-side change (templates, account, preferences)."""
    outcome = await updates.apply_update(
        TenantScope(UUID(tenant_id)), UUID(event_id), settings=ctx["settings"]
    )
    return {"outcome": outcome}


async def requeue_stranded(ctx: dict[str, Any]) -> dict[str, int]:
    """Queue again the accepted events no job will process (nothing accepted is lost)."""
    swept = await recovery.requeue_stranded()
    return {"requeued": swept.requeued, "dead": swept.dead}


async def _order_from_cart(ctx: dict[str, Any], scope: TenantScope, stored: StoredInbound) -> None:
    """A customer's cart becomes its order request (one per cart), announced like any new one."""
    if stored.kind != MessageKind.ORDER or stored.from_me:
        return
    cart = dict(json_value((await scope.get(Message, stored.message_id)).data))
    made = await order_from_cart(scope, stored.conversation_id, stored.message_id, cart)
    if made.told is not None:
        await enqueue_send(scope.tenant_id, made.told)
    await announce(ctx, str(scope.tenant_id), "order.updated", order_id=made.order_id)


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
    try:
        content, mime = await client.download_media(stored.media_id)
        await save_message_media(scope, stored.message_id, content, mime, media_root)
    except (TransportError, Invalid) as refused:
        if isinstance(refused, TransportError) and not refused.permanent:
            raise  # WhatsApp or the network may answer next time: the job retries
        # No retry changes this answer: the message stays, saying why it has no file,
        # and the reply step still runs.
        await record_media_refused(scope, stored.message_id, refused.message)
