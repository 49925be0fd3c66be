"""Platform-wide settings the super admin edits in the UI.

One key/value row per concern (``ai.providers``, ``ai.tiers``, ``switches``,
``email``, ``signup``, ``growth`` …) rather than a wide table: each concern's
shape is a msgspec schema in the owning package, and adding a field needs no
migration. Secrets inside values are encrypted before they are stored.
"""

from __future__ import annotations

from piccolo.columns import JSON, ForeignKey, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from b2a.db.columns import Record
from b2a.tenants.tables import User


class SystemSetting(Record):
    """One concern's platform settings."""

    key = Varchar(length=60, unique=True)
    value = JSON(default={})
    updated_at = Timestamptz(default=TimestamptzNow())
    updated_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
