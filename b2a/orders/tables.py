"""Order requests, their items and their status history."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)

from b2a.catalog.tables import Service
from b2a.inbox.tables import Conversation, Customer, Message
from b2a.orders.rules import OrderStatus
from b2a.tenants.tables import TenantRecord, User


class Order(TenantRecord, tablename="customer_order"):
    """An order request; the total is computed from catalogue prices, never typed."""

    number = Integer(help_text="per-tenant sequence shown to customers")
    customer = ForeignKey(Customer, on_delete=OnDelete.restrict, null=False, index=True)
    conversation = ForeignKey(Conversation, on_delete=OnDelete.set_null, null=True)
    status = Varchar(length=16, choices=OrderStatus, default=OrderStatus.DRAFT, index=True)
    total_minor = BigInt(default=0, help_text="sum of the items at the prices they were priced at")
    currency = Varchar(length=3, default="USD")
    details = JSON(default={}, help_text="collected fields: name, phone, address …")
    requested_at = Timestamptz(
        null=True, default=None, help_text="the time the customer asked for (appointments), UTC"
    )
    created_by_ai = Boolean(default=False)
    decision_note = Text(default="", help_text="staff's note on the approval or rejection")
    notice = Varchar(
        length=500, default="", help_text="why the customer was not told of the last decision"
    )
    flags = JSON(default=[], help_text="what the team must check: a cart's unknown items, prices")
    source_message = ForeignKey(
        Message,
        on_delete=OnDelete.set_null,
        null=True,
        default=None,
        help_text="the customer's cart message it was made from (one order per cart)",
    )


class OrderItem(TenantRecord):
    """A catalogue item on an order, with the unit price it was priced at."""

    order = ForeignKey(Order, on_delete=OnDelete.cascade, null=False, index=True)
    service = ForeignKey(Service, on_delete=OnDelete.restrict, null=False)
    quantity = Integer(default=1)
    unit_price_minor = Integer()
    name = Varchar(length=120, help_text="service name when ordered")


class OrderStatusChange(TenantRecord):
    """One transition of an order, kept for the audit trail."""

    order = ForeignKey(Order, on_delete=OnDelete.cascade, null=False, index=True)
    from_status = Varchar(length=16, choices=OrderStatus, null=True, default=None)
    to_status = Varchar(length=16, choices=OrderStatus)
    actor = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    actor_label = Varchar(length=254, default="", help_text="who acted, kept after user deletion")
    note = Text(default="")
