"""Changing a business's currency: every service re-priced, and the drafts with them, at once.

A currency is never converted: the owner types each service's price in the new
currency (``catalog.rules.reprice``), and the business's currency, every
service (active or not, so reactivating one never brings the old currency
back) and every order request still being put together (DRAFT) change in one
transaction. Requests already submitted keep the price and currency the
customer was given. It lives with orders, the highest package it touches, so
that every import points down (catalog and tenants sit below).
"""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

import msgspec

from b2a.audit import service as audit
from b2a.catalog.money import decimal_price, format_price, normalise_currency
from b2a.catalog.rules import Priced, reprice
from b2a.catalog.schemas import ServiceOut
from b2a.catalog.service import business_currency, list_services
from b2a.catalog.tables import Service
from b2a.db.transaction import atomic
from b2a.orders.rules import OrderStatus
from b2a.orders.tables import Order, OrderItem
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant


class RepricingLine(msgspec.Struct):
    """One service on the re-pricing form: its price today and the one suggested."""

    id: UUID
    name: str
    is_active: bool
    currency: str
    price_display: str
    new_price: str
    """The price kept when left empty (a service already in the new currency), else ""."""


class RepricingPlan(msgspec.Struct):
    """What changing to ``new_currency`` re-prices."""

    currency: str
    new_currency: str
    services: list[RepricingLine]
    drafts: int
    """Order requests still being put together; they take the new prices."""


class CurrencyChange(msgspec.Struct, forbid_unknown_fields=True):
    """The new currency and each service's price in it (a decimal string, by service id)."""

    currency: str
    prices: dict[UUID, str] = msgspec.field(default_factory=dict)


class CurrencyChanged(msgspec.Struct):
    """The business's currency after the change, and its services at their new prices."""

    previous: str
    currency: str
    services: list[ServiceOut]
    drafts_repriced: int


async def repricing_plan(actor: Actor, currency: str) -> RepricingPlan:
    """Every service with its price today, for the form that changes the currency to ``currency``.

    Raises:
        Forbidden: the actor is not a tenant admin.
        Invalid: ``currency`` is not an ISO 4217 code.
    """
    actor.require(Role.TENANT_ADMIN)
    new = normalise_currency(currency)
    scope = actor.scope
    rows = await Tenant.select(Tenant.currency).where(Tenant.id == scope.tenant_id).first()
    lines = [
        RepricingLine(
            id=s.id,
            name=s.name,
            is_active=s.is_active,
            currency=s.currency,
            price_display=s.price_display,
            new_price=decimal_price(s.price_minor, new) if s.currency == new else "",
        )
        for s in await list_services(actor)
    ]
    drafts = await scope.count(Order).where(Order.status == OrderStatus.DRAFT)
    return RepricingPlan(str(rows["currency"]) if rows else new, new, lines, drafts)


async def change_currency(actor: Actor, change: CurrencyChange) -> CurrencyChanged:
    """Switch the business to ``change.currency``, re-pricing every service and draft with it.

    Raises:
        Forbidden: the actor is not a tenant admin.
        Invalid: not a currency, or a service without a price or with a bad one
            (``field`` is ``price-<service id>``).
    """
    actor.require(Role.TENANT_ADMIN)
    currency = normalise_currency(change.currency)
    scope = actor.scope
    async with atomic():
        previous = await business_currency(scope)
        rows = await scope.select(
            Service, Service.id, Service.name, Service.price_minor, Service.currency
        )
        services = [Priced(r["id"], r["name"], r["price_minor"], r["currency"]) for r in rows]
        prices = reprice(services, currency, change.prices)
        for service_id, price in prices.items():
            await scope.update(
                Service, {Service.price_minor: price, Service.currency: currency}
            ).where(Service.id == service_id)
        await Tenant.update({Tenant.currency: currency}).where(Tenant.id == scope.tenant_id)
        drafts = await _reprice_drafts(scope, prices, currency)
    await audit.record(
        actor,
        "settings.currency_changed",
        previous=previous,
        currency=currency,
        services=len(prices),
        drafts=drafts,
        prices={str(k): format_price(v, currency) for k, v in prices.items()},
    )
    return CurrencyChanged(previous, currency, await list_services(actor), drafts)


async def _reprice_drafts(scope: TenantScope, prices: Mapping[UUID, int], currency: str) -> int:
    """Put every DRAFT order at the new prices; requests already submitted keep theirs."""
    drafts = (
        await scope.update(Order, {Order.currency: currency})
        .where(Order.status == OrderStatus.DRAFT)
        .returning(Order.id)
    )
    ids = [row["id"] for row in drafts]
    if not ids:
        return 0
    items = await scope.select(
        OrderItem, OrderItem.id, OrderItem.order, OrderItem.service, OrderItem.quantity
    ).where(OrderItem.order.is_in(ids))
    totals = dict.fromkeys(ids, 0)
    for item in items:
        unit = prices[item["service"]]
        await scope.update(OrderItem, {OrderItem.unit_price_minor: unit}).where(
            OrderItem.id == item["id"]
        )
        totals[item["order"]] += unit * item["quantity"]
    for order_id, total in totals.items():
        await scope.update(Order, {Order.total_minor: total}).where(Order.id == order_id)
    return len(ids)
