"""What the assistant knows when it answers: the catalogue, the recent conversation, the customer.

Read fresh for every turn, so a price or FAQ edited a second ago is what the
next reply uses. History is bounded twice (SPEC §5): at most the last
``HISTORY_MESSAGES`` messages, and at most ``HISTORY_CHARS`` characters of
them, the newest kept.
"""

from __future__ import annotations

from uuid import UUID

from b2a.assistant.shapes import CatalogItem, CatalogView, FaqItem, Turn
from b2a.catalog.tables import FaqEntry, Service
from b2a.db.columns import json_value
from b2a.inbox.rules import Direction, MessageKind
from b2a.inbox.tables import Customer, Message
from b2a.tenants.scope import TenantScope

HISTORY_MESSAGES = 10
HISTORY_CHARS = 2000
CUSTOMER_FIELDS = ("name", "phone", "email", "address")


async def catalog_view(scope: TenantScope, business_name: str) -> CatalogView:
    """The tenant's active services (in display order) and FAQ: all the assistant may sell."""
    services = (
        await scope.select(Service)
        .where(Service.is_active.eq(True))
        .order_by(Service.display_order)
    )
    faq = await scope.select(FaqEntry).where(FaqEntry.is_active.eq(True))
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


async def history(scope: TenantScope, conversation_id: UUID, before: Message) -> tuple[Turn, ...]:
    """The messages before ``before``, oldest first, within both bounds.

    What the customer deleted and WhatsApp's own notices are not part of the
    conversation the assistant answers, even when the team may still read them.
    """
    rows = (
        await scope.select(Message, Message.direction, Message.text)
        .where(
            (Message.conversation == conversation_id)
            & (Message.id != before.id)
            & (Message.created_at <= before.created_at)
            & (Message.text != "")
            & Message.deleted_at.is_null()
            & (Message.kind != MessageKind.SYSTEM)
        )
        .order_by(Message.created_at, ascending=False)
        .limit(HISTORY_MESSAGES)
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
