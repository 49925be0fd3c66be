"""Customers' marketing preferences: "stop" and "resume" from WhatsApp's own menu.

A customer can tell WhatsApp they want no more marketing messages from the
business; Meta reports it (``user_preferences``) and would refuse such
messages anyway, charging for nothing. The customer's
``marketing_opt_out_at`` records when they asked, and every way a
MARKETING-category template leaves b2a refuses it while set (``refuse_marketing``).
A preference for someone who never wrote to the business creates no customer:
the event keeps it (``orphaned``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from b2a.errors import Conflict
from b2a.inbox.rules import IdentityKind
from b2a.inbox.tables import Customer, CustomerIdentity
from b2a.lib import clock
from b2a.tenants.locale import business_zone
from b2a.tenants.scope import TenantScope

MARKETING = "MARKETING"
CATEGORY = "marketing_messages"


class MarketingOptedOut(Conflict):
    """The customer asked WhatsApp for no marketing messages from this business."""

    code = "MARKETING_OPT_OUT"


def _when(raw: Any) -> datetime:
    try:
        return datetime.fromtimestamp(int(raw), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return clock.now()


async def _customer(scope: TenantScope, wa_id: str) -> UUID | None:
    identity = (
        await scope.select(CustomerIdentity, CustomerIdentity.customer)
        .where(
            CustomerIdentity.kind.is_in([IdentityKind.WA_ID, IdentityKind.PHONE])
            & (CustomerIdentity.value == wa_id)
        )
        .first()
    )
    if identity is not None:
        return UUID(str(identity["customer"]))
    row = (
        await scope.select(Customer, Customer.id)
        .where((Customer.phone == wa_id) & Customer.erased_at.is_null())
        .first()
    )
    return UUID(str(row["id"])) if row is not None else None


def _objects(raw: Any) -> list[Mapping[str, Any]]:
    """The objects of a list in the value; anything else Meta never sends reads as none."""
    return [item for item in raw if isinstance(item, Mapping)] if isinstance(raw, list) else []


async def apply_preferences(scope: TenantScope, value: Mapping[str, Any]) -> str:
    """Store each marketing stop or resume on its customer; the event's outcome.

    ``applied`` when a known customer's preference was stored, ``orphaned`` when
    none of them is a customer of this business, ``ignored`` when no preference
    is about marketing.
    """
    contacts = [c.get("wa_id") for c in _objects(value.get("contacts"))]
    outcome = "ignored"
    for item in _objects(value.get("user_preferences")):
        if item.get("category") != CATEGORY:
            continue
        wa_id = str(item.get("wa_id") or (contacts[0] if contacts else "") or "")
        choice = str(item.get("value") or "").lower()
        customer = await _customer(scope, wa_id) if wa_id else None
        if customer is None or choice not in ("stop", "resume"):
            outcome = "orphaned" if outcome == "ignored" else outcome
            continue
        opted_out = _when(item.get("timestamp")) if choice == "stop" else None
        await scope.update(Customer, {Customer.marketing_opt_out_at: opted_out}).where(
            Customer.id == customer
        )
        outcome = "applied"
    return outcome


def is_marketing(category: str) -> bool:
    """Whether a template's category is Meta's MARKETING."""
    return category.strip().upper() == MARKETING


async def refuse_marketing(scope: TenantScope, customer_id: UUID, category: str) -> None:
    """Refuse a marketing template to a customer who asked for none.

    Raises:
        MarketingOptedOut: the template is MARKETING and the customer opted out.
    """
    if not is_marketing(category):
        return
    row = (
        await scope.select(Customer, Customer.name, Customer.marketing_opt_out_at)
        .where(Customer.id == customer_id)
        .first()
    )
    if row is None or row["marketing_opt_out_at"] is None:
        return
    zone = await business_zone(scope.tenant_id)
    since = row["marketing_opt_out_at"].astimezone(zone)
    raise MarketingOptedOut(
        f"{row['name'] or 'this customer'} asked WhatsApp for no marketing messages on "
        f"{since:%Y-%m-%d %H:%M} ({zone.key}): send a utility template or wait until they "
        "write to you and reply within 24 hours.",
        field="template_id",
    )
