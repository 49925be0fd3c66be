"""Reading orders: one order with its lines and history, and keyset pages of them."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from b2a.assistant.tables import AssistantConfig
from b2a.catalog.money import format_price
from b2a.db.columns import json_value
from b2a.db.keyset import DEFAULT_LIMIT, after, checked_limit, page_of
from b2a.errors import NotFound
from b2a.orders.rules import OrderStatus, missing_fields
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

DEFAULT_REQUIRED = ("name", "phone", "address")
_CUSTOMER: Any = Order.customer
_COLUMNS = (
    *Order.all_columns(),
    _CUSTOMER.name.as_alias("customer_name"),
    _CUSTOMER.phone.as_alias("customer_phone"),
)


async def required_fields(scope: TenantScope) -> tuple[str, ...]:
    """The customer details an order request needs (``AssistantConfig.required_order_fields``)."""
    rows = await scope.select(AssistantConfig, AssistantConfig.required_order_fields)
    if not rows:
        return DEFAULT_REQUIRED
    return tuple(str(f) for f in json_value(rows[0]["required_order_fields"]) or ())


def _customer(row: dict[str, Any]) -> OrderCustomer:
    return OrderCustomer(row["customer"], row["customer_name"] or "", row["customer_phone"] or "")


def _summary(row: dict[str, Any]) -> OrderSummary:
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
    missing = missing_fields(await required_fields(scope), details) if draft else []
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


async def list_orders(
    actor: Actor,
    *,
    status: OrderStatus | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> OrderPage:
    """Orders newest first, one keyset page at a time; ``status`` narrows them.

    Raises:
        Invalid: a cursor this server did not hand out, or a limit outside 1-100.
    """
    checked_limit(limit)
    query = actor.scope.select(Order, *_COLUMNS)
    if status is not None:
        query = query.where(Order.status == status)
    if cursor:
        query = query.where(after(Order.created_at, Order.id, cursor))
    rows = await (
        query.order_by(Order.created_at, ascending=False)
        .order_by(Order.id, ascending=False)
        .limit(limit + 1)
    )
    page, next_cursor = page_of(rows, limit, "created_at")
    return OrderPage([_summary(row) for row in page], next_cursor)
