"""What a turn reads before it drafts, in one statement: the message and who and where it is.

The customer's message, its conversation and channel, the tenant (its zone,
what orders need, its model and its governance values), the tenant's assistant
settings and the customer's details are one row, read fresh on every turn: an
edit to any of them applies to the next customer message, as before, for one
round trip instead of seven Piccolo queries (their building was most of the
turn's CPU: docs/performance.md, "The assistant's turn, step by step").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from b2a.assistant.context import CUSTOMER_FIELDS
from b2a.assistant.tables import AssistantConfig
from b2a.db.columns import json_value
from b2a.db.sql import Row, Statement
from b2a.errors import NotFound
from b2a.tenants.scope import TenantScope

_FACTS = Statement(
    """SELECT m.text, m.created_at, m.assisted_at, m.lead_greeting, m.lead_away,
        c.owner, c.customer, c.channel, c.window_expires_at, ch.transport,
        t.name AS tenant_name, t.time_zone, t.orders_need, t.status, t.ai_enabled,
        t.ai_daily_limit, t.ai_monthly_limit, t.ai_tier, t.ai_model,
        a.id AS config_id, a.enabled, a.threshold, a.fallback_text, a.handoff_text,
        a.prohibited_phrases, a.intent_keywords, a.required_order_fields,
        cu.name, cu.phone, cu.email, cu.address
    FROM message m
    JOIN conversation c ON c.id = m.conversation AND (c.tenant = m.tenant) IS TRUE
    JOIN channel ch ON ch.id = c.channel AND (ch.tenant = c.tenant) IS TRUE
    JOIN tenant t ON t.id = m.tenant
    JOIN customer cu ON cu.id = c.customer AND (cu.tenant = c.tenant) IS TRUE
    LEFT JOIN assistant_config a ON a.tenant = m.tenant
    WHERE m.id = :message AND (m.tenant = :tenant AND m.conversation = :conversation) IS TRUE"""
)


@dataclass(frozen=True)
class TurnConfig:
    """The tenant's assistant settings as the turn uses them (``AssistantConfig``'s values)."""

    enabled: bool
    threshold: float
    fallback_text: str
    handoff_text: str
    prohibited_phrases: tuple[str, ...]
    intent_keywords: dict[str, tuple[str, ...]]
    required_order_fields: tuple[str, ...]

    @classmethod
    def of(cls, row: Any) -> TurnConfig:
        """From an ``AssistantConfig`` row or the facts' columns of it."""
        keywords = json_value(_get(row, "intent_keywords")) or {}
        return cls(
            enabled=bool(_get(row, "enabled")),
            threshold=float(_get(row, "threshold")),
            fallback_text=_get(row, "fallback_text"),
            handoff_text=_get(row, "handoff_text"),
            prohibited_phrases=tuple(
                str(p) for p in json_value(_get(row, "prohibited_phrases")) or ()
            ),
            intent_keywords={
                str(intent): tuple(str(w) for w in words) for intent, words in keywords.items()
            },
            required_order_fields=tuple(json_value(_get(row, "required_order_fields")) or ()),
        )


@dataclass(frozen=True)
class TurnFacts:
    """One customer message and everything around it that the turn reads first."""

    id: UUID
    conversation: UUID
    text: str
    created_at: datetime
    assisted_at: datetime | None
    lead_greeting: str
    lead_away: str
    owner: str
    customer: UUID
    channel: UUID
    window_expires_at: datetime | None
    """The conversation's 24-hour window as the turn began (it only moves later meanwhile)."""
    transport: str
    tenant_name: str
    time_zone: str
    orders_need: str
    status: str
    ai_enabled: bool
    ai_daily_limit: int
    ai_monthly_limit: int
    ai_tier: str
    ai_model: str
    config: TurnConfig | None
    """None until the tenant's settings row exists (``config.config_row`` creates it)."""
    known_fields: dict[str, str] = field(default_factory=dict)
    """The customer's details on file, empty ones left out (``context.known_fields``)."""


async def read_facts(scope: TenantScope, conversation_id: UUID, message_id: UUID) -> TurnFacts:
    """The message's facts, read now.

    Raises:
        NotFound: no such message in this conversation of this tenant.
    """
    row = await scope.fetchrow(_FACTS, message=message_id, conversation=conversation_id)
    if row is None:
        raise NotFound("This message does not exist.")
    values = {name: str(row[name] or "") for name in CUSTOMER_FIELDS}
    return TurnFacts(
        id=message_id,
        conversation=conversation_id,
        text=row["text"],
        created_at=row["created_at"],
        assisted_at=row["assisted_at"],
        lead_greeting=row["lead_greeting"] or "",
        lead_away=row["lead_away"] or "",
        owner=row["owner"],
        customer=row["customer"],
        channel=row["channel"],
        window_expires_at=row["window_expires_at"],
        transport=row["transport"],
        tenant_name=row["tenant_name"],
        time_zone=row["time_zone"],
        orders_need=row["orders_need"],
        status=row["status"],
        ai_enabled=bool(row["ai_enabled"]),
        ai_daily_limit=row["ai_daily_limit"],
        ai_monthly_limit=row["ai_monthly_limit"],
        ai_tier=row["ai_tier"],
        ai_model=row["ai_model"],
        config=TurnConfig.of(row) if row["config_id"] is not None else None,
        known_fields={name: value for name, value in values.items() if value},
    )


def _get(row: Row | AssistantConfig, name: str) -> Any:
    return getattr(row, name) if isinstance(row, AssistantConfig) else row[name]
