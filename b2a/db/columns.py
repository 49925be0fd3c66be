"""Columns and base tables every domain table is built from."""

from __future__ import annotations

import json
import re
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


_SURROGATE = re.compile("[\ud800-\udfff]")


def storable(value: Any) -> Any:
    """``value`` with every NUL character removed from its strings, keys included.

    PostgreSQL's text cannot hold NUL (SQLite's can), and WhatsApp passes on
    whatever a customer's phone sent; without this one such message would fail
    its event on PostgreSQL only. A lone surrogate (a JSON string may hold one,
    UTF-8 cannot) becomes U+FFFD, the replacement character.
    """
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value.replace("\x00", ""))
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(item) for item in value]
    return value
