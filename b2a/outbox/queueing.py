"""Putting a message on its way: validate, store it QUEUED, enqueue its send job.

Every outbound message (an agent's reply, a greeting, a scheduled message, the
assistant's answer) becomes a ``Message`` row first and is sent by the worker's
``send_message`` job, so nothing is lost if the transport is down and the inbox
shows each message's delivery state from the start.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from b2a.db.sql import (
    Column,
    Statement,
    case_by_id,
    insert_rows,
    listed,
    on_postgres,
    one_by_one,
)
from b2a.errors import Conflict, Invalid
from b2a.inbox.media import save_message_media
from b2a.inbox.preferences import refuse_marketing
from b2a.inbox.rules import Author, DeliveryState, Direction, MessageKind, Owner, Transport
from b2a.inbox.tables import Channel, Conversation, Message
from b2a.lib import clock, queue
from b2a.lib.filetypes import safe_filename
from b2a.outbox.rules import (
    MetaTemplateStatus,
    TemplateSource,
    meta_parameter_order,
    render_template,
)
from b2a.outbox.tables import MessageTemplate
from b2a.tenants.locale import business_zone
from b2a.tenants.scope import TenantScope
from b2a.whatsapp.sendable import sendable_type

MEDIA_KINDS = {
    "image": MessageKind.IMAGE,
    "audio": MessageKind.AUDIO,
    "video": MessageKind.VIDEO,
}


@dataclass(frozen=True)
class Draft:
    """What to send: text, a template with variables, or a media file with a caption."""

    text: str = ""
    template_id: UUID | None = None
    variables: dict[str, str] = field(default_factory=dict)
    media: bytes = b""
    media_mime: str = ""
    filename: str = ""


@dataclass(frozen=True)
class Sender:
    """Who sends: an agent (a user id), the assistant, or the system (greeting, schedule)."""

    author: Author
    user_id: UUID | None = None

    @property
    def is_human(self) -> bool:
        """A human reply takes the conversation from the assistant (SPEC §4)."""
        return self.author is Author.AGENT


class WindowClosed(Conflict):
    """The 24-hour customer service window is closed: only an approved template may go."""

    code = "WINDOW_CLOSED"


_SYSTEM_TEXT: tuple[Column, ...] = (
    ("id", "uuid"),
    ("created_at", "timestamptz"),
    ("tenant", ":tenant"),
    ("conversation", "uuid"),
    ("direction", ":direction"),
    ("author", ":author"),
    ("kind", ":kind"),
    ("text", "text"),
    ("state", ":state"),
    ("state_changed_at", "timestamptz"),
)


@cache
def _touch_texts(count: int, postgres: bool) -> Statement:
    """Each conversation's last message and preview; on PostgreSQL one UPDATE a row."""
    if postgres:
        return one_by_one(
            count,
            "UPDATE conversation SET last_message_at = :at{n}, last_message_preview = :preview{n}"
            " WHERE id = :id{n} AND (tenant = :tenant) IS TRUE RETURNING id",
        )
    return Statement(
        f"UPDATE conversation SET last_message_at = {case_by_id('last_message_at', count, 'at')},"
        f" last_message_preview = {case_by_id('last_message_preview', count, 'preview')}"
        f" WHERE id IN ({listed('id', count)}) AND (tenant = :tenant) IS TRUE"
    )


async def queue_message(
    scope: TenantScope,
    conversation_id: UUID,
    draft: Draft,
    sender: Sender,
    *,
    media_root: Path | None = None,
) -> Message:
    """Store the message QUEUED and enqueue its send; returns the row.

    Raises:
        NotFound: the conversation or template is not this tenant's.
        Invalid: empty message, template variables missing or unknown, unusable template,
            a file WhatsApp cannot send (judged by its content, not its claimed type).
        WindowClosed: a Cloud API conversation outside the 24-hour window, without a template.
        MarketingOptedOut: a MARKETING template to a customer who asked for none.
    """
    message = await store_outbound(scope, conversation_id, draft, sender, media_root=media_root)
    await enqueue_send(scope.tenant_id, message.id)
    return message


async def store_outbound(
    scope: TenantScope,
    conversation_id: UUID,
    draft: Draft,
    sender: Sender,
    *,
    media_root: Path | None = None,
) -> Message:
    """The first half of ``queue_message``: the QUEUED row, without its send job.

    For callers that must record the message together with something else in
    one transaction and enqueue only after it commits (scheduled messages). A
    row left without a job is found and sent by the stranded-send sweep.
    """
    conversation = await scope.get(Conversation, conversation_id)
    channel = await scope.get(Channel, conversation.channel)
    if draft.media:
        draft = replace(draft, media_mime=sendable_type(draft.media, draft.media_mime))
    fields = await _content(scope, draft)
    if fields["kind"] == MessageKind.DOCUMENT and draft.filename:
        fields["data"] = {"filename": safe_filename(draft.filename)}
    if fields["kind"] == MessageKind.TEMPLATE:
        await refuse_marketing(scope, conversation.customer, fields["template"]["category"])
    if fields["kind"] == MessageKind.TEMPLATE and fields["template"]["source"] == "local":
        fields["kind"] = MessageKind.TEXT
    if channel.transport == Transport.CLOUD and fields["kind"] != MessageKind.TEMPLATE:
        await _require_window(scope, conversation.window_expires_at)
    message = scope.new(
        Message,
        conversation=conversation.id,
        direction=Direction.OUTBOUND,
        author=sender.author,
        sent_by=sender.user_id,
        state=DeliveryState.QUEUED,
        state_changed_at=clock.now(),
        **fields,
    )
    await message.save()
    if draft.media:
        if media_root is None:
            raise ValueError("media_root is required to queue media")
        await save_message_media(scope, message.id, draft.media, draft.media_mime, media_root)
    await _touch(scope, conversation, message, sender)
    return message


async def store_system_text(
    scope: TenantScope,
    conversation_id: UUID,
    text: str,
    *,
    transport: str,
    window_expires_at: datetime | None,
    author: Author = Author.SYSTEM,
) -> UUID:
    """``store_outbound`` of a system text (greeting, away message), without its send job.

    For the reply step, which has just read the conversation's window and its
    channel's transport while storing the customer's message, and the assistant's
    turn (``author`` AI), which read them with the message: two statements
    instead of reading both again. Returns the QUEUED message's id.

    Raises:
        Invalid: the text is empty or too long.
        WindowClosed: a Cloud API conversation outside the 24-hour window.
    """
    _text_content(text)  # an empty text is refused before a closed window
    if transport == Transport.CLOUD:
        await _require_window(scope, window_expires_at)
    [message_id] = await store_system_texts(scope, [(conversation_id, text)], author=author)
    return message_id


async def store_system_texts(
    scope: TenantScope,
    texts: Sequence[tuple[UUID, str]],
    *,
    author: Author = Author.SYSTEM,
) -> list[UUID]:
    """``store_system_text`` of many (conversation, text) at once: two statements; their ids.

    The caller has checked each conversation's window (``window_closed``). The
    rows are written a microsecond apart in the order given, so a conversation's
    messages keep their order, and each conversation is touched once, with its
    last one.

    Raises:
        Invalid: a text is empty or too long.
    """
    if not texts:
        return []
    at = clock.now()
    rows: list[dict[str, Any]] = []
    last: dict[UUID, tuple[datetime, str]] = {}
    for n, (conversation_id, raw) in enumerate(texts):
        text = _text_content(raw)["text"]
        written = at + timedelta(microseconds=n)
        rows.append(
            {
                "id": uuid4(),
                "created_at": written,
                "conversation": conversation_id,
                "text": text,
                "state_changed_at": written,
            }
        )
        last[conversation_id] = (written, text[:200])
    statement, params = insert_rows(
        "message",
        _SYSTEM_TEXT,
        rows,
        direction=Direction.OUTBOUND,
        author=author,
        kind=MessageKind.TEXT,
        state=DeliveryState.QUEUED,
    )
    await scope.execute(statement, **params)
    ids: list[UUID] = [row["id"] for row in rows]
    touch: dict[str, Any] = {}
    # In the ids' order, like every batch: two transactions lock shared rows in the same order.
    for n, (conversation_id, (written, preview)) in enumerate(
        sorted(last.items(), key=lambda item: str(item[0]))
    ):
        touch[f"id{n}"], touch[f"at{n}"], touch[f"preview{n}"] = conversation_id, written, preview
    await scope.execute(_touch_texts(len(last), on_postgres()), **touch)
    return ids


def window_closed(transport: str, expires: datetime | None) -> bool:
    """Whether WhatsApp refuses a free-form text now: a Cloud API window closed or never opened."""
    return transport == Transport.CLOUD and (expires is None or expires <= clock.now())


async def enqueue_send(
    tenant_id: UUID, message_id: UUID, *, delay: float = 0.0, tag: str = "first", waited: int = 0
) -> bool:
    """Queue the send job of a QUEUED message (keyed, so queueing it twice sends once).

    Two SAQ attempts: the second runs only when a worker died mid-job, and then
    finds the message SENDING (see ``b2a.outbox.delivery``). ``waited`` counts
    the jobs before this one that found PostgreSQL or Redis unreachable.
    """
    return await queue.enqueue(
        "send_message",
        key=f"send:{message_id}:{tag}",
        timeout=60,
        retries=2,
        delay=delay,
        tenant_id=str(tenant_id),
        message_id=str(message_id),
    )


async def resume_unsent(scope: TenantScope, conversation_id: UUID) -> int:
    """Queue a send job for the conversation's replies a failed job left without one; how many.

    For a job retried after it stored its replies but their sends did not go:
    the worker died or the job failed before it sent them (QUEUED, no attempt),
    during a send (SENDING: the reply step sends its replies without a job of
    their own), or after a failed attempt whose retry job could not be queued
    (QUEUED with attempts: Redis was unreachable, so the job raised to be
    retried). ``enqueue_send`` keys the first job by the message and SAQ drops
    a key that is still waiting or running, so a reply whose first job is live
    is not queued twice; one found by two jobs is still sent by only one (the
    claim), and a SENDING one is sent again only where that is safe
    (``delivery``).
    """
    rows = await scope.select(Message, Message.id).where(
        (Message.conversation == conversation_id)
        & (Message.direction == Direction.OUTBOUND)
        & Message.state.is_in([DeliveryState.QUEUED, DeliveryState.SENDING])
    )
    queued = 0
    for row in rows:
        queued += await enqueue_send(scope.tenant_id, row["id"])
    return queued


async def _require_window(scope: TenantScope, expires: datetime | None) -> None:
    if expires is None or expires <= clock.now():
        since = ""
        if expires is not None:
            # The business's zone is read only on refusal: the open window is the hot path.
            zone = await business_zone(scope.tenant_id)
            since = f" at {expires.astimezone(zone):%Y-%m-%d %H:%M} ({zone.key})"
        raise WindowClosed(
            "the 24-hour customer service window closed"
            f"{since}: WhatsApp only accepts an approved template until the customer writes again."
        )


async def _content(scope: TenantScope, draft: Draft) -> dict[str, Any]:
    if draft.template_id is not None:
        return await _template_content(scope, draft.template_id, draft.variables)
    if draft.media:
        kind = MEDIA_KINDS.get(draft.media_mime.split("/")[0], MessageKind.DOCUMENT)
        return {"kind": kind, "text": draft.text.strip(), "template": {}}
    return _text_content(draft.text)


def _text_content(raw: str) -> dict[str, Any]:
    text = raw.strip()
    if not text:
        raise Invalid("the message is empty.", field="text")
    if len(text) > 4096:
        raise Invalid("WhatsApp text messages hold at most 4096 characters.", field="text")
    return {"kind": MessageKind.TEXT, "text": text, "template": {}}


async def _template_content(
    scope: TenantScope, template_id: UUID, variables: dict[str, str]
) -> dict[str, Any]:
    template = await scope.get(MessageTemplate, template_id)
    text = render_template(template.body, variables)
    names = meta_parameter_order(template.body)
    approved = template.meta_status == MetaTemplateStatus.APPROVED
    if template.source == TemplateSource.META and not approved:
        raise Invalid(
            f"template {template.name!r} is {template.meta_status or 'not approved'} at Meta; "
            "only approved templates can be sent.",
            field="template_id",
        )
    return {
        "kind": MessageKind.TEMPLATE,
        "text": text,
        "template": {
            "id": str(template.id),
            "source": template.source,
            "name": template.name,
            "language": template.language,
            "category": template.category,
            "params": [variables[name] for name in names],
        },
    }


async def _touch(
    scope: TenantScope, conversation: Conversation, message: Message, sender: Sender
) -> None:
    values: dict[Any, Any] = {
        Conversation.last_message_at: message.created_at,
        Conversation.last_message_preview: (message.text or f"[{message.kind}]")[:200],
    }
    if sender.is_human:
        values[Conversation.owner] = Owner.HUMAN
        values[Conversation.owner_reason] = "an agent replied"
        values[Conversation.unread_count] = 0
    await scope.update(Conversation, values).where(Conversation.id == conversation.id)
