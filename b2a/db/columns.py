"""Columns and base tables every domain table is built from."""

from __future__ import annotations

import json
from typing import Any

from piccolo.columns import UUID, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Record(Table):
    """A row with a random public id and a creation stamp.

    Ids are UUIDs so that no id reveals how many rows exist or can be guessed
    from a neighbour's. Subclasses that only add columns for others to inherit set
    ``abstract_table = True`` and get no table of their own.
    """

    abstract_table = True

    id = UUID(primary_key=True)
    created_at = Timestamptz(default=TimestamptzNow(), index=False)


def json_value(raw: Any) -> Any:
    """A JSON column's value: Piccolo hands it back as text unless the query asked to load it."""
    return json.loads(raw) if isinstance(raw, str) else raw
