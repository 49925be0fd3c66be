"""What the assistant knows when it answers: the catalogue, the recent conversation, the customer.

Read fresh for every turn, so a price or FAQ edited a second ago is what the
next reply uses. History is bounded twice (SPEC §5): at most the last
``HISTORY_MESSAGES`` messages, and at most ``HISTORY_CHARS`` characters of
them, the newest kept.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID

from b2a.assistant.shapes import CatalogItem, CatalogView, FaqItem, Turn
from b2a.db.columns import json_value
from b2a.db.sql import Statement
from b2a.inbox.rules import Direction, MessageKind
from b2a.inbox.tables import Customer
from b2a.tenants.scope import TenantScope

HISTORY_MESSAGES = 10
HISTORY_CHARS = 2000
CUSTOMER_FIELDS = ("name", "phone", "email", "address")


class Said(Protocol):
    """A stored message, as far as history needs it (a ``Message`` or a turn's facts)."""

    @property
    def id(self) -> UUID:
        """The message's id."""

    @property
    def created_at(self) -> datetime:
        """When it was stored."""


_SERVICES = Statement(
    """SELECT id, name, price_minor, currency, description, synonyms, duration_minutes
    FROM service WHERE tenant = :tenant AND is_active = :active ORDER BY display_order"""
)
_FAQ = Statement(
    """SELECT id, question, answer, synonyms FROM faq_entry
    WHERE tenant = :tenant AND is_active = :active"""
)
# The newest first; the caller keeps them within both bounds and puts them in order.
_HISTORY = Statement(
    """SELECT direction, text FROM message
    WHERE tenant = :tenant AND conversation = :conversation AND id <> :id
        AND created_at <= :at AND text <> '' AND deleted_at IS NULL AND kind <> :system
    ORDER BY created_at DESC
    LIMIT :limit"""
)


async def catalog_view(scope: TenantScope, business_name: str) -> CatalogView:
    """The tenant's active services (in display order) and FAQ: all the assistant may sell."""
    services = await scope.fetch(_SERVICES, active=True)
    faq = await scope.fetch(_FAQ, active=True)
    return CatalogView(
        business_name=business_name,
        services=tuple(
            CatalogItem(
                id=row["id"],
                name=row["name"],
                price_minor=row["price_minor"],
                currency=row["currency"],
                description=row["description"],
                synonyms=tuple(str(s) for s in json_value(row["synonyms"]) or ()),
                duration_minutes=row["duration_minutes"],
            )
            for row in services
        ),
        faq=tuple(
            FaqItem(
                row["id"],
                row["question"],
                row["answer"],
                tuple(str(s) for s in json_value(row["synonyms"]) or ()),
            )
            for row in faq
        ),
    )


async def history(scope: TenantScope, conversation_id: UUID, before: Said) -> tuple[Turn, ...]:
    """The messages before ``before``, oldest first, within both bounds.

    What the customer deleted and WhatsApp's own notices are not part of the
    conversation the assistant answers, even when the team may still read them.
    """
    rows = await scope.fetch(
        _HISTORY,
        conversation=conversation_id,
        id=before.id,
        at=before.created_at,
        system=MessageKind.SYSTEM,
        limit=HISTORY_MESSAGES,
    )
    turns: list[Turn] = []
    budget = HISTORY_CHARS
    for row in rows:
        text = row["text"]
        if len(text) > budget:
            if budget > 0 and not turns:
                turns.append(Turn(row["direction"] == Direction.INBOUND, text[-budget:]))
            break
        budget -= len(text)
        turns.append(Turn(row["direction"] == Direction.INBOUND, text))
    return tuple(reversed(turns))


async def known_fields(scope: TenantScope, customer_id: UUID) -> dict[str, str]:
    """The customer's details already on file (empty ones left out)."""
    customer = await scope.get(Customer, customer_id)
    values = {field: str(getattr(customer, field) or "") for field in CUSTOMER_FIELDS}
    return {field: value for field, value in values.items() if value}


async def remember_fields(scope: TenantScope, customer_id: UUID, fields: dict[str, str]) -> None:
    """Keep details the customer gave, without overwriting what staff already entered."""
    current = await known_fields(scope, customer_id)
    updates = {
        getattr(Customer, field): value.strip()[: _limit(field)]
        for field, value in fields.items()
        if field in CUSTOMER_FIELDS and value.strip() and field not in current
    }
    if updates:
        await scope.update(Customer, updates).where(Customer.id == customer_id)


def _limit(field: str) -> int:
    column = getattr(Customer, field)
    return int(getattr(column, "length", 0) or 2000)
