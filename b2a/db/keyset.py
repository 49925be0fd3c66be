"""Keyset pages (SPEC §4: no OFFSET scans), shared by every list the API and UI page through.

Rows are ordered newest first by a timestamp and then by id, and the cursor is
the (timestamp, id) of the last row served; the next page continues strictly
after it, so rows sharing a timestamp are neither repeated nor skipped.
Cursors are opaque to clients.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from piccolo.columns import Column
from piccolo.columns.combination import Combinable, Where

from b2a.errors import Invalid

DEFAULT_LIMIT = 25
MAX_LIMIT = 100


def encode_cursor(at: datetime, row_id: UUID) -> str:
    """The opaque cursor pointing just after a row."""
    raw = json.dumps([at.isoformat(), str(row_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    """The (timestamp, id) inside a cursor.

    Raises:
        Invalid: the cursor was not made by ``encode_cursor``.
    """
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, row_id = json.loads(raw)
        return datetime.fromisoformat(at), UUID(row_id)
    except (ValueError, TypeError, binascii.Error):
        raise Invalid("the cursor is not one this server handed out.", field="cursor") from None


def checked_limit(limit: int) -> int:
    """The page size, when it is within bounds.

    Raises:
        Invalid: below 1 or above ``MAX_LIMIT``.
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"limit must be between 1 and {MAX_LIMIT}.", field="limit")
    return limit


def after(time_column: Column, id_column: Column, cursor: str) -> Combinable:
    """The condition for rows strictly after the cursor, newest first."""
    at, row_id = decode_cursor(cursor)
    return (time_column < at) | ((time_column == at) & (id_column < row_id))


def contains(column: Column, text: str) -> Where:
    """Case-insensitive substring match: ILIKE on PostgreSQL, LIKE (ASCII-insensitive) on SQLite."""
    pattern = f"%{text}%"
    if column._meta.engine_type == "postgres":
        return column.ilike(pattern)
    return column.like(pattern)


def page_of(
    rows: Sequence[Mapping[str, Any]], limit: int, time_key: str
) -> tuple[list[Any], str | None]:
    """The first ``limit`` of ``limit + 1`` fetched rows, and the next cursor if there are more."""
    if len(rows) <= limit:
        return list(rows), None
    last = rows[limit - 1]
    return list(rows[:limit]), encode_cursor(last[time_key], last["id"])
