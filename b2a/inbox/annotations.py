"""Reactions, edits and deletions: they change the message they name, never add one.

Storing calls ``annotate`` inside its transaction, after marking the event
processed, so a job retried after a crash applies an annotation again, and every
step here gives the same result the second time.

- A reaction sets the target's ``reaction`` (a later one replaces it, an empty
  one clears it).
- An edit keeps the words it replaces in ``history`` (``{text, at}``: the words
  and when they were written), shows the new ones and sets ``edited_at``. An
  edit older than the one shown (WhatsApp delivered them out of order) only
  joins the history.
- A deletion sets ``deleted_at``. Unless the business keeps what customers
  delete readable (``Tenant.keep_deleted_text``), the words, their history and
  the kind's data are blanked: the customer took them back.

The target is looked up among the sender's own conversations, so an
annotation naming a message not stored yet, or someone else's, is recorded as
"orphaned" and changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from b2a.db.columns import json_value
from b2a.db.sql import Row, Statement
from b2a.inbox.previews import DELETED, preview_of
from b2a.tenants.scope import TenantScope
from b2a.whatsapp.inbound import InboundKind, InboundMessage


@dataclass(frozen=True)
class Annotation:
    """What an annotation did: the event's outcome and the message it changed, if any."""

    kind: str
    outcome: str
    conversation_id: UUID | None = None
    message_id: UUID | None = None
    forgotten_file: str = ""
    """A deleted message's file the business does not keep: the worker removes it after commit."""


_OUTCOME = Statement(
    "UPDATE inbound_event SET outcome = :outcome WHERE id = :id AND (tenant = :tenant) IS TRUE"
)
_TARGET = Statement(
    """SELECT m.id, m.conversation, m.created_at, m.kind, m.text, m.data, m.history,
        m.edited_at, m.deleted_at, m.media_path, t.keep_deleted_text
    FROM message m
    JOIN conversation c ON c.id = m.conversation
    JOIN tenant t ON t.id = m.tenant
    WHERE m.tenant = :tenant AND m.wa_message_id = :target AND c.customer IN (
        SELECT customer FROM customer_identity
        WHERE tenant = :tenant AND kind = :kind AND value = :value)"""
)
_REACT = Statement(
    "UPDATE message SET reaction = :reaction WHERE id = :id AND (tenant = :tenant) IS TRUE"
)
_EDIT = Statement(
    """UPDATE message SET text = :text, history = :history, edited_at = :edited_at
    WHERE id = :id AND (tenant = :tenant) IS TRUE"""
)
_HISTORY = Statement(
    "UPDATE message SET history = :history WHERE id = :id AND (tenant = :tenant) IS TRUE"
)
_REVOKE = Statement(
    """UPDATE message SET deleted_at = :at WHERE id = :id AND (tenant = :tenant) IS TRUE
    AND deleted_at IS NULL"""
)
_REVOKE_AND_BLANK = Statement(
    """UPDATE message SET deleted_at = :at, text = '', history = :history, data = :data,
        media_path = ''
    WHERE id = :id AND (tenant = :tenant) IS TRUE AND deleted_at IS NULL"""
)
# The list's line follows the message only while it is the conversation's last one.
_PREVIEW = Statement(
    """UPDATE conversation SET last_message_preview = :preview
    WHERE id = :conversation AND (tenant = :tenant) IS TRUE AND NOT EXISTS (
        SELECT 1 FROM message WHERE conversation = :conversation AND created_at > :created
            AND (tenant = :tenant) IS TRUE)"""
)


async def annotate(scope: TenantScope, event_id: UUID, message: InboundMessage) -> Annotation:
    """Apply a reaction, edit or deletion to its target; the outcome says what came of it."""
    target = await _target(scope, message)
    if target is None or (message.from_me and message.kind == InboundKind.REACTION):
        # The business's own reaction has no place on the message: the column is the customer's.
        outcome = "orphaned" if target is None else "ignored"
        await scope.execute(_OUTCOME, id=event_id, outcome=outcome)
        return Annotation(message.kind, outcome)
    if message.kind == InboundKind.REACTION:
        await scope.execute(_REACT, id=target["id"], reaction=message.text.strip()[:32])
    elif message.kind == InboundKind.EDIT:
        await _edit(scope, target, message.text, message.sent_at)
    forgotten = ""
    if message.kind == InboundKind.REVOKE:
        forgotten = await _revoke(scope, target, message.sent_at)
    await scope.execute(_OUTCOME, id=event_id, outcome="applied")
    return Annotation(message.kind, "applied", target["conversation"], target["id"], forgotten)


async def _target(scope: TenantScope, message: InboundMessage) -> Row | None:
    if not message.target_id or not message.identities:
        return None
    sender = message.identities[0]
    return await scope.fetchrow(
        _TARGET, target=message.target_id, kind=sender.kind, value=sender.value
    )


async def _edit(scope: TenantScope, target: Row, text: str, at: datetime) -> None:
    """Show the newest words; every earlier version stays in the history."""
    if target["deleted_at"] is not None and not target["keep_deleted_text"]:
        return
    history: list[dict[str, Any]] = list(json_value(target["history"]) or [])
    shown_since: datetime = target["edited_at"] or target["created_at"]
    if target["edited_at"] is not None and at <= target["edited_at"]:
        late = {"text": text, "at": at.isoformat()}
        if at < target["edited_at"] and late not in history:
            await scope.execute(_HISTORY, id=target["id"], history=json.dumps([*history, late]))
        return
    history.append({"text": target["text"], "at": shown_since.isoformat()})
    await scope.execute(
        _EDIT, id=target["id"], text=text, history=json.dumps(history), edited_at=at
    )
    data = dict(json_value(target["data"]) or {})
    await _preview(scope, target, preview_of(target["kind"], text, data))


async def _revoke(scope: TenantScope, target: Row, at: datetime) -> str:
    """Mark the message deleted; unless the business keeps it, blank it: the file to remove."""
    forgotten = ""
    if target["keep_deleted_text"]:
        await scope.execute(_REVOKE, id=target["id"], at=at)
    else:
        if target["deleted_at"] is None:
            forgotten = str(target["media_path"] or "")
        await scope.execute(_REVOKE_AND_BLANK, id=target["id"], at=at, history="[]", data="{}")
    await _preview(scope, target, DELETED)
    return forgotten


async def _preview(scope: TenantScope, target: Row, preview: str) -> None:
    await scope.execute(
        _PREVIEW, conversation=target["conversation"], created=target["created_at"], preview=preview
    )
