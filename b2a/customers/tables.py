"""Customer tags: the tenant's labels put on a customer (the person, not one conversation)."""

from __future__ import annotations

from piccolo.columns import ForeignKey, OnDelete

from b2a.inbox.tables import Customer, Label
from b2a.tenants.tables import TenantRecord


class CustomerLabel(TenantRecord):
    """A label on a customer; unique per (customer, label)."""

    customer = ForeignKey(Customer, on_delete=OnDelete.cascade, null=False, index=True)
    label = ForeignKey(Label, on_delete=OnDelete.cascade, null=False, index=True)
