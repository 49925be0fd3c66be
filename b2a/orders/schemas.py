"""What orders read and write at their edges: msgspec Structs, documented in OpenAPI."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from b2a.orders.rules import OrdersNeed


class OrderItemIn(msgspec.Struct):
    """A catalogue service and how many of it."""

    service_id: UUID
    quantity: int = 1


class OrderCreate(msgspec.Struct):
    """An order request staff make for the customer of a conversation.

    ``details`` adds to (and for this order overrides) what is on file for the
    customer; the order waits as a DRAFT while a required field is missing.
    """

    conversation_id: UUID
    items: list[OrderItemIn]
    details: dict[str, str] = msgspec.field(default_factory=dict)
    requested_at: datetime | None = None
    """The time asked for (with its offset), for businesses whose orders need one; inside the
    opening hours."""


class OrderDetailsIn(msgspec.Struct):
    """Details added to a DRAFT order (name, phone, address …), and the time it is for."""

    details: dict[str, str] = msgspec.field(default_factory=dict)
    requested_at: datetime | None = None
    """Sets (or moves) the requested time; it must carry an offset and fall inside the hours."""


class OrderNoteIn(msgspec.Struct):
    """Staff's note on a decision; kept in the history, never sent to the customer."""

    note: str = ""


class OrderItemOut(msgspec.Struct):
    """One line: the service as it was named and priced when requested."""

    service_id: UUID
    name: str
    quantity: int
    unit_price_minor: int
    line_total_minor: int


class StatusChangeOut(msgspec.Struct):
    """One transition; ``from_status`` is null for the order's creation."""

    from_status: str | None
    to_status: str
    actor_id: UUID | None
    actor_label: str
    note: str
    at: datetime


class OrderCustomer(msgspec.Struct):
    """Who the order is for."""

    id: UUID
    name: str
    phone: str


class OrderOut(msgspec.Struct):
    """An order request with its items, total and history.

    ``notice`` is set when the customer could not be told of the last decision
    (a closed 24-hour window, no conversation), and says why. ``flags`` are what
    the team must check before deciding: a WhatsApp cart's items that are not in
    the catalogue, or whose price differs from it (the order uses the catalogue's).
    """

    id: UUID
    number: int
    status: str
    customer: OrderCustomer
    conversation_id: UUID | None
    currency: str
    total_minor: int
    total: str
    items: list[OrderItemOut]
    details: dict[str, str]
    requested_at: datetime | None
    """The time the customer asked for (UTC); the business reads it in its own zone."""
    missing_fields: list[str]
    created_by_ai: bool
    decision_note: str
    notice: str
    flags: list[str]
    created_at: datetime
    history: list[StatusChangeOut]


class OrderSummary(msgspec.Struct):
    """An order as the list shows it."""

    id: UUID
    number: int
    status: str
    customer: OrderCustomer
    conversation_id: UUID | None
    currency: str
    total_minor: int
    total: str
    created_by_ai: bool
    flagged: bool
    """The team must check something first (``OrderOut.flags``)."""
    requested_at: datetime | None
    """The time the customer asked for (UTC), for appointments."""
    created_at: datetime


class OrderPage(msgspec.Struct):
    """One page of orders, newest first; pass ``next_cursor`` back for the next (null: the end)."""

    items: list[OrderSummary]
    next_cursor: str | None


class OrdersNeedOut(msgspec.Struct):
    """What an order request needs besides its items.

    ``address``: deliveries (the assistant asks where to); ``time``: appointments
    (it asks when, inside the opening hours); ``none``: neither.
    """

    orders_need: OrdersNeed


class OrdersNeedIn(msgspec.Struct, forbid_unknown_fields=True):
    """The choice for the catalogue: ``address``, ``time`` or ``none``."""

    orders_need: OrdersNeed
