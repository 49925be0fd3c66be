"""Audit entries."""

from __future__ import annotations

from piccolo.columns import JSON, ForeignKey, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

from b2a.db.columns import Record
from b2a.tenants.tables import Tenant, User


class AuditEntry(Record):
    """One security or business event; platform-wide events have no tenant."""

    tenant = ForeignKey(Tenant, on_delete=OnDelete.cascade, null=True, index=True)
    actor = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    actor_label = Varchar(length=254, default="", help_text="who acted, kept after user deletion")
    event = Varchar(length=64, index=True)
    ip = Varchar(length=45, default="")
    detail = JSON(default={})
    at = Timestamptz(default=TimestamptzNow(), index=True, index_method=IndexMethod.btree)
