"""One reply per turn: the greeting and away notice go out with the assistant's answer.

When the assistant will take a turn for a customer message, the reply step does
not store its greeting and away message as messages of their own: it leaves
them on the customer's message (``Message.lead_greeting``, ``Message.lead_away``)
in the same statement that claims it (``replied_at``). Whoever then claims the
message's ``assisted_at`` says them, once:

- the turn, composed into the one message it stores: greeting, away notice,
  then its answer, fallback or hand-off text (``Lead.compose``);
- ``release``, when no turn answers after all (the assistant was switched off
  meanwhile, a person took the conversation): the lead alone, as the system
  message it would have been, so nothing is lost.

Both claim ``assisted_at`` in the transaction that stores the message, so a
retried job or a redelivered webhook finds the message claimed and says
nothing again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from b2a.db.sql import Statement
from b2a.db.transaction import atomic
from b2a.inbox.rules import Author
from b2a.lib import clock
from b2a.outbox.queueing import Draft, Sender, WindowClosed, enqueue_send, store_outbound
from b2a.tenants.scope import TenantScope

log = logging.getLogger(__name__)

SYSTEM = Sender(Author.SYSTEM)
_CLAIM = Statement(
    """UPDATE message SET assisted_at = :at
    WHERE id = :id AND (tenant = :tenant AND assisted_at IS NULL) IS TRUE RETURNING id"""
)


class Stored(Protocol):
    """A stored customer message (a ``Message`` row, or a turn's ``facts.TurnFacts``)."""

    @property
    def id(self) -> UUID:
        """The message's id."""

    @property
    def conversation(self) -> Any:
        """Its conversation's id."""

    @property
    def lead_greeting(self) -> str | None:
        """The greeting the reply step left for the turn."""

    @property
    def lead_away(self) -> str | None:
        """The away notice the reply step left for the turn."""


@dataclass(frozen=True)
class Lead:
    """What the reply step left for the turn to say before its answer."""

    greeting: str = ""
    away: str = ""

    @classmethod
    def of(cls, message: Stored) -> Lead:
        """The lead stored on a customer message (empty when the reply step left none)."""
        return cls(message.lead_greeting or "", message.lead_away or "")

    def __bool__(self) -> bool:
        return bool(self.greeting or self.away)

    def compose(self, answer: str) -> str:
        """Greeting first, then the away notice, then the answer, as paragraphs of one message."""
        return "\n\n".join(part for part in (self.greeting, self.away, answer.strip()) if part)


async def claim(scope: TenantScope, message_id: UUID, now: datetime) -> bool:
    """Take the message's one assistant turn (``assisted_at``); False when it was taken."""
    return bool(await scope.fetch(_CLAIM, id=message_id, at=now))


async def release(scope: TenantScope, message: Stored) -> UUID | None:
    """Send the lead on its own when no turn will answer the message; the queued message's id.

    A no-op for a message without a lead or one whose turn was already taken.
    """
    lead = Lead.of(message)
    if not lead:
        return None
    async with atomic():
        if not await claim(scope, message.id, clock.now()):
            return None
        try:
            stored = await store_outbound(
                scope, message.conversation, Draft(text=lead.compose("")), SYSTEM
            )
        except WindowClosed:
            log.info("conversation %s: window closed, greeting skipped", message.conversation)
            return None
    await enqueue_send(scope.tenant_id, stored.id)
    return stored.id
