"""Reading orders: one order with its lines and history, and keyset pages of them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from b2a.assistant.tables import AssistantConfig
from b2a.catalog.money import format_price
from b2a.db.columns import json_value
from b2a.db.keyset import DEFAULT_LIMIT, after, checked_limit, page_of
from b2a.db.sql import Statement
from b2a.errors import NotFound
from b2a.orders.rules import TIME, OrdersNeed, OrderStatus, missing_fields
from b2a.orders.schemas import (
    OrderCustomer,
    OrderItemOut,
    OrderOut,
    OrderPage,
    OrderSummary,
    StatusChangeOut,
)
from b2a.orders.tables import Order, OrderItem, OrderStatusChange
from b2a.tenants.actor import Actor
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant

DEFAULT_REQUIRED = ("name", "phone")
_BY_NEED = {OrdersNeed.ADDRESS: ("address",), OrdersNeed.TIME: (TIME,), OrdersNeed.NONE: ()}
_CUSTOMER: Any = Order.customer
_COLUMNS = (
    *Order.all_columns(),
    _CUSTOMER.name.as_alias("customer_name"),
    _CUSTOMER.phone.as_alias("customer_phone"),
)


async def required_fields(scope: TenantScope) -> tuple[str, ...]:
    """What an order request needs before the team can decide on it.

    The customer details the assistant settings tick (name, phone, email:
    ``AssistantConfig.required_order_fields``), then what the catalogue's
    orders are for (``Tenant.orders_need``): "address" for deliveries, "time"
    for appointments. An "address" still stored among the ticked fields (from
    before the catalogue chose) is not a choice there any more and is ignored.
    """
    rows = await scope.select(AssistantConfig, AssistantConfig.required_order_fields)
    ticked = json_value(rows[0]["required_order_fields"]) if rows else DEFAULT_REQUIRED
    return needed_fields(ticked, await orders_need(scope))


def needed_fields(ticked: Sequence[object], need: str) -> tuple[str, ...]:
    """``required_fields`` from values already read: the ticked details, then the need's field."""
    kept = (str(f) for f in ticked or () if str(f) not in ("address", TIME))
    return (*kept, *_BY_NEED[OrdersNeed(need)])


async def orders_need(scope: TenantScope) -> OrdersNeed:
    """What the business's orders are for: a delivery address, a time, or neither."""
    row = await Tenant.select(Tenant.orders_need).where(Tenant.id == scope.tenant_id).first()
    return OrdersNeed(row["orders_need"]) if row else OrdersNeed.ADDRESS


def _customer(row: Mapping[str, Any]) -> OrderCustomer:
    return OrderCustomer(row["customer"], row["customer_name"] or "", row["customer_phone"] or "")


def _summary(row: Mapping[str, Any]) -> OrderSummary:
    return OrderSummary(
        id=row["id"],
        number=row["number"],
        status=row["status"],
        customer=_customer(row),
        conversation_id=row["conversation"],
        currency=row["currency"],
        total_minor=row["total_minor"],
        total=format_price(row["total_minor"], row["currency"]),
        created_by_ai=row["created_by_ai"],
        flagged=bool(json_value(row["flags"])),
        requested_at=row["requested_at"],
        created_at=row["created_at"],
    )


async def get_order(actor: Actor, order_id: UUID) -> OrderOut:
    """One order with its lines, total, collected details and history (oldest first).

    Raises:
        NotFound: the order is not this tenant's.
    """
    scope = actor.scope
    rows = await scope.select(Order, *_COLUMNS).where(Order.id == order_id)
    if not rows:
        raise NotFound("Order not found.")
    row = rows[0]
    details = {str(k): str(v) for k, v in (json_value(row["details"]) or {}).items()}
    draft = row["status"] == OrderStatus.DRAFT
    missing = (
        missing_fields(
            await required_fields(scope), details, has_time=row["requested_at"] is not None
        )
        if draft
        else []
    )
    summary = _summary(row)
    return OrderOut(
        id=summary.id,
        number=summary.number,
        status=summary.status,
        customer=summary.customer,
        conversation_id=summary.conversation_id,
        currency=summary.currency,
        total_minor=summary.total_minor,
        total=summary.total,
        items=await _items(scope, order_id),
        details=details,
        requested_at=row["requested_at"],
        missing_fields=missing,
        created_by_ai=summary.created_by_ai,
        decision_note=row["decision_note"],
        notice=row["notice"],
        flags=[str(flag) for flag in json_value(row["flags"]) or []],
        created_at=summary.created_at,
        history=await _history(scope, order_id),
    )


async def _items(scope: TenantScope, order_id: UUID) -> list[OrderItemOut]:
    rows = await scope.select(OrderItem).where(OrderItem.order == order_id).order_by(OrderItem.name)
    return [
        OrderItemOut(
            service_id=r["service"],
            name=r["name"],
            quantity=r["quantity"],
            unit_price_minor=r["unit_price_minor"],
            line_total_minor=r["quantity"] * r["unit_price_minor"],
        )
        for r in rows
    ]


async def _history(scope: TenantScope, order_id: UUID) -> list[StatusChangeOut]:
    rows = (
        await scope.select(OrderStatusChange)
        .where(OrderStatusChange.order == order_id)
        .order_by(OrderStatusChange.created_at)
    )
    # Rows written in one transaction can share a timestamp: creation comes first.
    rows.sort(key=lambda r: (r["created_at"], r["from_status"] is not None))
    return [
        StatusChangeOut(
            from_status=r["from_status"],
            to_status=r["to_status"],
            actor_id=r["actor"],
            actor_label=r["actor_label"],
            note=r["note"],
            at=r["created_at"],
        )
        for r in rows
    ]


# The inbox's details panel shows a customer's latest orders beside every thread (hand-written:
# Piccolo's building of the select of every column cost more than the query).
_OF_CUSTOMER = Statement(
    "SELECT o.id, o.number, o.status, o.customer, cu.name AS customer_name,"
    " cu.phone AS customer_phone, o.conversation, o.currency, o.total_minor, o.created_by_ai,"
    " o.flags, o.requested_at, o.created_at"
    " FROM customer_order o LEFT JOIN customer cu ON cu.id = o.customer"
    " WHERE o.tenant = :tenant AND o.customer = :customer"
    " ORDER BY o.created_at DESC, o.id DESC LIMIT :limit"
)


async def customer_orders(actor: Actor, customer_id: UUID, *, limit: int = 5) -> list[OrderSummary]:
    """The customer's latest orders, newest first (``list_orders`` of one customer, one page)."""
    rows = await actor.scope.fetch(_OF_CUSTOMER, customer=customer_id, limit=checked_limit(limit))
    return [_summary(row) for row in rows]


async def list_orders(
    actor: Actor,
    *,
    status: OrderStatus | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
    conversation_id: UUID | None = None,
) -> OrderPage:
    """Orders newest first, one keyset page at a time; a status or conversation narrows them.

    Raises:
        Invalid: a cursor this server did not hand out, or a limit outside 1-100.
    """
    checked_limit(limit)
    query = actor.scope.select(Order, *_COLUMNS)
    if status is not None:
        query = query.where(Order.status == status)
    if conversation_id is not None:
        query = query.where(Order.conversation == conversation_id)
    if cursor:
        query = query.where(after(Order.created_at, Order.id, cursor))
    rows = await (
        query.order_by(Order.created_at, ascending=False)
        .order_by(Order.id, ascending=False)
        .limit(limit + 1)
    )
    page, next_cursor = page_of(rows, limit, "created_at")
    return OrderPage([_summary(row) for row in page], next_cursor)
