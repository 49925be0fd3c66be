"""Order requests from a customer's WhatsApp cart (an inbound message of kind ``order``).

A cart sent from the business's WhatsApp catalogue lists items by the content
ID Meta's catalogue knows them by, with a quantity and the price the catalogue
showed the customer. It becomes the same order request the assistant and staff
make (DRAFT until the customer's details are complete, then waiting for the
team's approval), priced only from our catalogue: our fixed prices win over
whatever the cart said. What does not fit is never dropped silently: an
unknown or inactive item, a price or currency other than ours, a quantity that
is not a whole number from 1 to 9,999 each become a flag on the order that the
team reads before deciding.

A cart from WhatsApp-Web carries no items at all (only WhatsApp's order id,
the item count and total); its request has no lines and a flag telling the
team to open the order on the phone.

The customer is told at once, like after ordering through the assistant: the
request's number and total, and what details it still waits for. A cart none of
whose items are ours gets no such line (a total of nothing would mislead); the
team, to whom the conversation passes, answers it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from b2a.catalog.money import decimal_price, exponent, format_price
from b2a.catalog.service import business_currency
from b2a.catalog.tables import Service
from b2a.db.columns import json_value
from b2a.db.transaction import atomic
from b2a.inbox.tables import Conversation
from b2a.orders.rules import MAX_QUANTITY, OrderStatus, missing_fields, request_line
from b2a.orders.service._notify import SYSTEM
from b2a.orders.service._pricing import Line
from b2a.orders.service._read import required_fields
from b2a.orders.service._requests import clean_details, write_request
from b2a.orders.tables import Order
from b2a.outbox.queueing import Draft, WindowClosed, store_outbound
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role
from b2a.tenants.scope import TenantScope

MAX_CART_ITEMS = 100
"""The most items of one cart read; WhatsApp's carts hold far fewer."""
_SHOWN = 60
"""The most characters of what a cart says that a flag repeats."""


@dataclass(frozen=True)
class Offered:
    """A catalogue service as a cart's items are matched against it."""

    id: UUID
    name: str
    sku: str
    price_minor: int
    currency: str
    is_active: bool


def match(ref: str, services: Sequence[Offered]) -> Offered | None:
    """The service a cart item names: by content ID, else by our id, else by name (any case)."""
    wanted = ref.strip()
    if not wanted:
        return None
    for key in (
        lambda s: s.sku == wanted,
        lambda s: str(s.id) == wanted.lower(),
        lambda s: s.name.casefold() == wanted.casefold(),
    ):
        found = next((service for service in services if key(service)), None)
        if found is not None:
            return found
    return None


def cart_minor(price: Any, currency: str) -> int | None:
    """The cart's price (major units, as Meta sends it) in minor units; None when not exact."""
    if isinstance(price, bool):
        return None
    try:
        minor = Decimal(str(price).strip()).scaleb(exponent(currency))
    except InvalidOperation:
        return None
    if not minor.is_finite() or minor != minor.to_integral_value() or minor < 0:
        return None
    return int(minor)


def cart_quantity(raw: Any) -> int | None:
    """A quantity from 1 to 9,999, as an integer or its digits; None for anything else."""
    if isinstance(raw, bool):
        return None
    # isdecimal, not isdigit: "²" is a digit that int() refuses.
    if isinstance(raw, str) and raw.strip().isdecimal():
        raw = int(raw.strip())
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return raw if isinstance(raw, int) and 1 <= raw <= MAX_QUANTITY else None


def _shown(price: Any, currency: str) -> str:
    minor = cart_minor(price, currency)
    amount = decimal_price(minor, currency) if minor is not None else str(price)[:_SHOWN]
    return f"{amount} {currency}".strip()


def _price_flag(item: Mapping[str, Any], service: Offered) -> str | None:
    """Why the cart's price for ``service`` is not ours, or None when it is."""
    currency = str(item.get("currency") or "").strip().upper()
    price = item.get("price")
    if price is None or price == "":
        return None
    ours = f"{decimal_price(service.price_minor, service.currency)} {service.currency}"
    theirs = _shown(price, currency or service.currency)
    if currency in ("", service.currency) and cart_minor(price, service.currency) == (
        service.price_minor
    ):
        return None
    return (
        f"The cart said {theirs} for {service.name}, the catalogue price is {ours}; "
        "the order uses the catalogue price."
    )


def _unknown_flag(item: Mapping[str, Any]) -> str:
    ref = str(item.get("product_id") or "").strip()[:_SHOWN]
    named = f"Item {ref}" if ref else "An item without a content ID"
    return f"{named} is not in your catalogue; it is not on the order."


def _refusal(service: Offered, currency: str) -> str | None:
    """Why a known service cannot be a line on the order, or None when it can."""
    if not service.is_active:
        return f"{service.name} is inactive in your catalogue; it is not on the order."
    if service.currency != currency:
        return (
            f"{service.name} is priced in {service.currency}, not in the business's {currency}; "
            "it is not on the order."
        )
    return None


def _quantity_flag(raw: Any, service: Offered) -> str:
    return (
        f"The cart asks for {raw!r} of {service.name}; a quantity is a whole number "
        f"from 1 to {MAX_QUANTITY:,}, so it is not on the order."
    )


def read_cart(
    items: Iterable[Mapping[str, Any]], services: Sequence[Offered], currency: str
) -> tuple[list[Line], list[str]]:
    """The order's lines at our prices, and the flags for the team, from a cart's items.

    An item named twice is one line with the quantities added (at most ``MAX_QUANTITY``).
    """
    quantities: dict[UUID, int] = {}
    found: dict[UUID, Offered] = {}
    flags: list[str] = []
    for item in items:
        service = match(str(item.get("product_id") or ""), services)
        if service is None:
            flags.append(_unknown_flag(item))
            continue
        refused = _refusal(service, currency)
        if refused is not None:
            flags.append(refused)
            continue
        quantity = cart_quantity(item.get("quantity"))
        if quantity is None:
            flags.append(_quantity_flag(item.get("quantity"), service))
            continue
        repriced = _price_flag(item, service)
        if repriced is not None:
            flags.append(repriced)
        found[service.id] = service
        quantities[service.id] = quantities.get(service.id, 0) + quantity
    return _lines(quantities, found, flags), flags


def _lines(
    quantities: Mapping[UUID, int], found: Mapping[UUID, Offered], flags: list[str]
) -> list[Line]:
    """One line per service; a total over ``MAX_QUANTITY`` is cut to it with a flag."""
    lines = []
    for service_id, quantity in quantities.items():
        service = found[service_id]
        if quantity > MAX_QUANTITY:
            flags.append(
                f"The cart asks for {quantity} of {service.name} in all; the order has the most "
                f"one line holds, {MAX_QUANTITY:,}."
            )
        lines.append(
            Line(service_id, service.name, min(quantity, MAX_QUANTITY), service.price_minor)
        )
    return lines


def web_order_flag(data: Mapping[str, Any]) -> str:
    """The flag of a WhatsApp-Web cart, whose items only the customer's phone shows."""
    count = data.get("item_count")
    items = f"{count} item{'' if count == 1 else 's'}" if count not in (None, "") else "items"
    total, currency = data.get("total"), str(data.get("currency") or "").strip().upper()
    facts = f"{items}, total {_shown(total, currency)}" if total not in (None, "") else items
    return (
        f"The items are only in the customer's WhatsApp order {data.get('order_id', '')} "
        f"({facts}): open it on the phone."
    )


def cart_flags(data: Mapping[str, Any], lines: Sequence[Line], flags: Sequence[str]) -> list[str]:
    """Every flag of the cart: its items', and why the order has no lines when it has none."""
    if data.get("order_id") and not data.get("items"):
        return [web_order_flag(data), *flags]
    if not lines and not flags:
        return ["The cart had no items; ask the customer what they would like."]
    listed = len(data.get("items") or [])
    if listed > MAX_CART_ITEMS:
        return [*flags, f"The cart has {listed} items; only the first {MAX_CART_ITEMS} were read."]
    return list(flags)


def cart_actor(scope: TenantScope) -> Actor:
    """The customer's cart, as the order's history and the audit log name it."""
    return Actor(None, Role.STAFF, scope.tenant_id, label="the customer's WhatsApp cart")


async def _offered(scope: TenantScope) -> list[Offered]:
    rows = await scope.select(
        Service,
        Service.id,
        Service.name,
        Service.sku,
        Service.price_minor,
        Service.currency,
        Service.is_active,
    ).order_by(Service.display_order)
    return [Offered(**row) for row in rows]


@dataclass(frozen=True)
class CartOrder:
    """The order request a cart made, and the QUEUED message telling the customer (to send)."""

    order_id: UUID
    told: UUID | None = None


async def order_from_cart(
    scope: TenantScope, conversation_id: UUID, message_id: UUID, data: Mapping[str, Any]
) -> CartOrder:
    """The order request made from the cart message ``message_id``; made once, whatever retries.

    Only the call that makes it queues the line for the customer; send it after
    the commit (``enqueue_send``).

    ``data`` is the ``order`` message's data (b2a.whatsapp.inbound). The
    tenant's row is held while the cart is read, so a retried job waits for the
    first and finds its order (the unique (tenant, source_message) index is the
    last line of defence).

    Raises:
        NotFound: the conversation is not this tenant's.
    """
    async with atomic():
        currency = await business_currency(scope)
        made = await scope.select(Order, Order.id).where(Order.source_message == message_id)
        if made:
            return CartOrder(UUID(str(made[0]["id"])))
        conversation = await scope.get(Conversation, conversation_id)
        items = [item for item in data.get("items") or [] if isinstance(item, Mapping)]
        items = items[:MAX_CART_ITEMS]
        lines, flags = read_cart(items, await _offered(scope), currency)
        note = str(data.get("note") or "")
        order = await write_request(
            scope,
            cart_actor(scope),
            conversation,
            lines,
            currency,
            clean_details({"note": note}, strict=False),
            flags=cart_flags(data, lines, flags),
            source_message=message_id,
        )
        told = await _tell_customer(scope, order) if lines else None
    return CartOrder(order.id, told)


async def _tell_customer(scope: TenantScope, order: Order) -> UUID | None:
    """Queue the request's line for the customer; None when the conversation cannot take it."""
    details = {str(k): str(v) for k, v in (json_value(order.details) or {}).items()}
    missing = missing_fields(await required_fields(scope), details)
    total = format_price(order.total_minor, order.currency)
    text = request_line(OrderStatus(order.status), order.number, total, missing)
    try:
        message = await store_outbound(scope, order.conversation, Draft(text=text), SYSTEM)
    except WindowClosed:
        return None
    return message.id
