"""Order requests: made for a conversation's customer, DRAFT until their details are complete.

A request is priced from the catalogue when it is made (one query for all its
services; each line keeps the unit price it was requested at), numbered per
tenant, and stays a DRAFT while a field the tenant requires
(``AssistantConfig.required_order_fields``) is unknown. Details come from the
customer's record, from what the request itself says, and, while it is a DRAFT,
from later messages or staff; once the last one is known the request moves to
PENDING_APPROVAL and its lines and total never change again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from uuid import UUID

from b2a.assistant.context import known_fields
from b2a.db.columns import json_value
from b2a.db.transaction import atomic
from b2a.errors import Conflict, Invalid
from b2a.inbox.tables import Conversation
from b2a.orders.rules import OrderStatus, missing_fields
from b2a.orders.schemas import OrderCreate, OrderOut
from b2a.orders.service._history import record_change
from b2a.orders.service._numbers import next_number
from b2a.orders.service._pricing import (
    Line,
    order_total,
    price_lines,
    read_lines,
    save_lines,
    wanted_items,
)
from b2a.orders.service._read import get_order, required_fields
from b2a.orders.tables import Order
from b2a.tenants.actor import Actor
from b2a.tenants.hours import opening_days, outside_hours
from b2a.tenants.locale import business_zone
from b2a.tenants.rules import Role
from b2a.tenants.scope import TenantScope

DETAIL_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MAX_DETAILS = 12
MAX_DETAIL_CHARS = 500


def clean_details(raw: Mapping[str, str], *, strict: bool = True) -> dict[str, str]:
    """Details with lower-case names and trimmed values; empty values left out.

    ``strict`` refuses what does not fit; otherwise (a provider's fields) it is
    dropped or cut to size, since a customer's message must never fail a turn.

    Raises:
        Invalid: (strict) a bad name, a value over 500 characters, more than 12 details.
    """
    cleaned: dict[str, str] = {}
    for key, value in raw.items():
        name, text = str(key).strip().lower(), str(value).strip()
        if not DETAIL_NAME.match(name):
            if strict:
                raise Invalid(
                    f"{key!r} is not a detail name (letters, digits, _).", field=f"details.{key}"
                )
            continue
        if len(text) > MAX_DETAIL_CHARS and strict:
            raise Invalid(f"at most {MAX_DETAIL_CHARS} characters.", field=f"details.{name}")
        if text:
            cleaned[name] = text[:MAX_DETAIL_CHARS]
    if len(cleaned) > MAX_DETAILS:
        if strict:
            raise Invalid(f"an order holds at most {MAX_DETAILS} details.", field="details")
        cleaned = dict(list(cleaned.items())[:MAX_DETAILS])
    return cleaned


def _status(
    required: tuple[str, ...], details: Mapping[str, str], requested_at: datetime | None
) -> OrderStatus:
    missing = missing_fields(required, details, has_time=requested_at is not None)
    return OrderStatus.DRAFT if missing else OrderStatus.PENDING_APPROVAL


async def checked_time(scope: TenantScope, at: datetime) -> datetime:
    """A requested time as stored (UTC), once it is known to fall inside the opening hours.

    Raises:
        Invalid: a time without its offset, or one outside that day's hours
            (the message names them).
    """
    if at.tzinfo is None:
        raise Invalid(
            "a time needs its offset (2026-12-08T17:00:00+05:00, or Z for UTC).",
            field="requested_at",
        )
    zone = await business_zone(scope.tenant_id)
    outside = outside_hours(await opening_days(scope), zone.key, at)
    if outside:
        raise Invalid(outside, field="requested_at")
    return at.astimezone(UTC)


async def open_request(
    scope: TenantScope,
    actor: Actor,
    conversation: Conversation,
    wanted: Mapping[UUID, int],
    given: Mapping[str, str],
    *,
    by_ai: bool,
    requested_at: datetime | None = None,
) -> Order:
    """Write a new order request; call inside ``atomic()``.

    Raises:
        NotFound: a service is not this tenant's.
        Invalid: an inactive service, a bad quantity, mixed currencies.
    """
    lines, currency = await price_lines(scope, wanted)
    return await write_request(
        scope, actor, conversation, lines, currency, given, by_ai=by_ai, requested_at=requested_at
    )


async def write_request(
    scope: TenantScope,
    actor: Actor,
    conversation: Conversation,
    lines: Sequence[Line],
    currency: str,
    given: Mapping[str, str],
    *,
    by_ai: bool = False,
    flags: Sequence[str] = (),
    source_message: UUID | None = None,
    requested_at: datetime | None = None,
) -> Order:
    """Write an order request of lines already priced; call inside ``atomic()``.

    ``flags`` are what the team must check before deciding (a cart's unknown
    items or prices); ``source_message`` is the cart message it was made from;
    ``requested_at`` a time already checked (``checked_time``).
    """
    details = {**await known_fields(scope, conversation.customer), **given}
    status = _status(await required_fields(scope), details, requested_at)
    order = scope.new(
        Order,
        number=await next_number(scope),
        customer=conversation.customer,
        conversation=conversation.id,
        status=status,
        total_minor=order_total(lines),
        currency=currency,
        details=details,
        requested_at=requested_at,
        created_by_ai=by_ai,
        flags=list(flags),
        source_message=source_message,
    )
    await order.save()
    await save_lines(scope, order.id, lines)
    await record_change(scope, actor, order, None, OrderStatus.DRAFT)
    if status is OrderStatus.PENDING_APPROVAL:
        await record_change(scope, actor, order, OrderStatus.DRAFT, status)
    return order


async def amend_draft(
    scope: TenantScope,
    actor: Actor,
    order: Order,
    wanted: Mapping[UUID, int],
    given: Mapping[str, str],
    requested_at: datetime | None = None,
) -> Order | None:
    """Add services, details and a time to a DRAFT; None when it stopped being one meanwhile.

    A service named again takes its new quantity; only new or changed lines are
    priced (one query), the others keep their price; a ``requested_at``
    (already checked) replaces the one asked before. Call inside ``atomic()``.

    Raises:
        NotFound: a service is not this tenant's.
        Invalid: an inactive service, a bad quantity, another currency.
    """
    current = await read_lines(scope, order.id)
    changed = {
        sid: n for sid, n in wanted.items() if sid not in current or current[sid].quantity != n
    }
    fresh = (await price_lines(scope, changed, currency=order.currency))[0] if changed else []
    lines = {**current, **{line.service_id: line for line in fresh}}
    details = {
        **await known_fields(scope, order.customer),
        **(json_value(order.details) or {}),
        **given,
    }
    at = requested_at or order.requested_at
    status = _status(await required_fields(scope), details, at)
    total = order_total(lines.values())
    moved = (
        await scope.update(
            Order,
            {
                Order.status: status,
                Order.total_minor: total,
                Order.details: details,
                Order.requested_at: at,
            },
        )
        .where((Order.id == order.id) & (Order.status == OrderStatus.DRAFT))
        .returning(Order.id)
    )
    if not moved:
        return None
    await save_lines(scope, order.id, fresh)
    order.status, order.total_minor, order.details = status, total, details
    order.requested_at = at
    if status is OrderStatus.PENDING_APPROVAL:
        await record_change(scope, actor, order, OrderStatus.DRAFT, status)
    return order


async def create_order(actor: Actor, data: OrderCreate) -> OrderOut:
    """Staff make an order request for the customer of a conversation.

    It is PENDING_APPROVAL at once when every required detail is known (from
    the customer's record or ``data.details``), otherwise a DRAFT that the
    customer's next details complete.

    Raises:
        Forbidden: the actor is not STAFF or TENANT_ADMIN.
        NotFound: the conversation or a service is not this tenant's.
        Invalid: no items, a service twice, a bad quantity or detail, an
            inactive service, mixed currencies (``field`` says which).
    """
    actor.require(Role.STAFF, Role.TENANT_ADMIN)
    scope = actor.scope
    conversation = await scope.get(Conversation, data.conversation_id)
    wanted = wanted_items([(item.service_id, item.quantity) for item in data.items])
    given = clean_details(data.details)
    at = await checked_time(scope, data.requested_at) if data.requested_at else None
    async with atomic():
        order = await open_request(
            scope, actor, conversation, wanted, given, by_ai=False, requested_at=at
        )
    return await get_order(actor, order.id)


async def add_details(
    actor: Actor,
    order_id: UUID,
    details: Mapping[str, str],
    *,
    requested_at: datetime | None = None,
) -> OrderOut:
    """Staff add details or the requested time to a DRAFT; complete, it moves to PENDING_APPROVAL.

    Raises:
        Forbidden: the actor is not STAFF or TENANT_ADMIN.
        NotFound: the order is not this tenant's.
        Invalid: a bad detail, or a time outside the opening hours (``field`` says which).
        Conflict: the order is no longer a DRAFT (``ORDER_LOCKED``).
    """
    actor.require(Role.STAFF, Role.TENANT_ADMIN)
    scope = actor.scope
    given = clean_details(details)
    at = await checked_time(scope, requested_at) if requested_at else None
    async with atomic():
        order = await scope.get(Order, order_id)
        amended = None
        if order.status == OrderStatus.DRAFT:
            amended = await amend_draft(scope, actor, order, {}, given, at)
        if amended is None:
            raise Conflict(
                f"order #{order.number} is no longer a DRAFT; its details no longer change.",
                code="ORDER_LOCKED",
            )
    return await get_order(actor, order_id)
