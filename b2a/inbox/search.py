"""Inbox search: which conversations a query matches, found through indexes, tenant by tenant.

A conversation matches when its customer's name contains the query, when its
customer's number contains the query's digits (a query that is a number:
digits, spaces, "+", "(", ")", "-" or "."), or, for any other query, when one
of its messages contains the query. Matching is a case-insensitive substring
test of the literal text ("%" and "_" are characters, not wildcards); on
SQLite "case-insensitive" covers ASCII letters only, as its LIKE does.

A number never looks at message text: people type a number to find a person.

How it stays fast at a million messages (docs/performance.md, "Inbox at a
million messages", has the figures and plans):

1. Index first. The tenant's matching customers and messages are read through
   the search indexes (PostgreSQL: pg_trgm GIN indexes that lead with the
   tenant, so a small tenant's search never wades through a big one's rows;
   SQLite: the FTS5 trigram table ``message_search``), at most ``CAP`` rows.
   When fewer came back, they are all there is, and the page is the newest of
   those conversations.
2. Walk when the query is common. ``CAP`` rows or more means the query is
   common, so the newest conversations are likely to match: the page walks the
   tenant's conversations newest first and checks each one's messages and
   customer (a per-row EXISTS on the thread index), stopping at a page.
   Queries too short for trigrams (under 3 characters) are walked too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from piccolo.columns.combination import Combinable, WhereRaw

from b2a.db.sql import Statement
from b2a.inbox.tables import Conversation, Message
from b2a.tenants.scope import TenantScope

CAP = 2000
"""Rows read through an index before a query counts as common (measured: bench/inbox.py)."""
TRIGRAM = 3
"""The shortest query an index can answer (pg_trgm and FTS5's trigram tokenizer)."""

_NUMBER = re.compile(r"[\d\s+()\-.]+")

_PG_NAMES = Statement(
    "SELECT id FROM customer WHERE tenant = :tenant AND name ILIKE :pattern LIMIT :cap"
)
_PG_NAMES_PHONES = Statement(
    "SELECT id FROM customer WHERE tenant = :tenant"
    " AND (name ILIKE :pattern OR phone LIKE :digits) LIMIT :cap"
)
_PG_MESSAGES = Statement(
    "SELECT conversation FROM message WHERE tenant = :tenant AND text ILIKE :pattern LIMIT :cap"
)
_SQLITE_NAMES = Statement(
    "SELECT id FROM customer WHERE tenant = :tenant AND name LIKE :pattern ESCAPE '\\' LIMIT :cap"
)
_SQLITE_NAMES_PHONES = Statement(
    "SELECT id FROM customer WHERE tenant = :tenant"
    " AND (name LIKE :pattern ESCAPE '\\' OR phone LIKE :digits ESCAPE '\\') LIMIT :cap"
)
_SQLITE_MESSAGES = Statement(
    "SELECT m.conversation FROM message_search s JOIN message m ON m.rowid = s.rowid"
    " WHERE message_search MATCH :phrase AND m.tenant = :tenant"
    " AND m.text LIKE :pattern ESCAPE '\\' LIMIT :cap"
)
# The walk: one conversation at a time, newest first. OFFSET 0 keeps PostgreSQL from
# turning the EXISTS into a join that would read every match before the first row.
_PG_WALK_MESSAGES = (
    'EXISTS (SELECT 1 FROM message m WHERE m.conversation = "conversation"."id"'
    " AND m.tenant = {} AND m.text ILIKE {} OFFSET 0)"
)
_SQLITE_WALK_MESSAGES = (
    'EXISTS (SELECT 1 FROM message m WHERE m.conversation = "conversation"."id"'
    " AND m.tenant = {} AND m.text LIKE {} ESCAPE '\\')"
)
_PG_WALK_CUSTOMER = (
    'EXISTS (SELECT 1 FROM customer c WHERE c.id = "conversation"."customer"'
    " AND (c.name ILIKE {} OR c.phone LIKE {}))"
)
_SQLITE_WALK_CUSTOMER = (
    'EXISTS (SELECT 1 FROM customer c WHERE c.id = "conversation"."customer"'
    " AND (c.name LIKE {} ESCAPE '\\' OR c.phone LIKE {} ESCAPE '\\'))"
)
NOTHING = WhereRaw("1 = 0")


@dataclass(frozen=True)
class Query:
    """A search as typed, in the shapes the statements take."""

    text: str
    pattern: str
    """``%text%`` with LIKE's wildcards escaped."""
    digits: str
    """``%digits%`` for a number; a pattern no phone matches otherwise."""

    @property
    def is_number(self) -> bool:
        """Whether the query is a number: then message text is not searched."""
        return self.digits != NO_PHONE

    @property
    def indexable(self) -> bool:
        """Whether trigram indexes can answer it (3 characters or more)."""
        return len(self.text) >= TRIGRAM


NO_PHONE = "-"
"""A LIKE pattern without wildcards that no stored phone equals (phones are digits)."""


def parse_query(text: str) -> Query:
    """The query, trimmed; a number needs 3 digits or more to search phones."""
    text = text.strip()
    digits = re.sub(r"\D", "", text)
    number = len(digits) >= TRIGRAM and _NUMBER.fullmatch(text) is not None
    return Query(text, f"%{_escaped(text)}%", f"%{digits}%" if number else NO_PHONE)


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _postgres() -> bool:
    return bool(Message._meta.db.engine_type == "postgres")


async def conversations_matching(scope: TenantScope, text: str, *, cap: int = CAP) -> Combinable:
    """The condition on ``Conversation`` rows for the conversations that ``text`` finds.

    ``cap``: rows read through an index before walking instead (see the module docstring).
    """
    query = parse_query(text)
    customers = await _customer_condition(scope, query, cap)
    if query.is_number:
        return customers
    return customers | await _message_condition(scope, query, cap)


async def _customer_condition(scope: TenantScope, query: Query, cap: int) -> Combinable:
    if query.indexable or query.is_number:
        if query.is_number:
            statement = _PG_NAMES_PHONES if _postgres() else _SQLITE_NAMES_PHONES
            rows = await scope.fetch(statement, pattern=query.pattern, digits=query.digits, cap=cap)
        else:
            statement = _PG_NAMES if _postgres() else _SQLITE_NAMES
            rows = await scope.fetch(statement, pattern=query.pattern, cap=cap)
        if len(rows) < cap:
            return _among(Conversation.customer, [row["id"] for row in rows])
    walk = _PG_WALK_CUSTOMER if _postgres() else _SQLITE_WALK_CUSTOMER
    return WhereRaw(walk, query.pattern, query.digits)


async def _message_condition(scope: TenantScope, query: Query, cap: int) -> Combinable:
    if query.indexable:
        if _postgres():
            rows = await scope.fetch(_PG_MESSAGES, pattern=query.pattern, cap=cap)
        else:
            phrase = '"' + query.text.replace('"', '""') + '"'
            rows = await scope.fetch(
                _SQLITE_MESSAGES, phrase=phrase, pattern=query.pattern, cap=cap
            )
        if len(rows) < cap:
            return _among(Conversation.id, [row["conversation"] for row in rows])
    walk = _PG_WALK_MESSAGES if _postgres() else _SQLITE_WALK_MESSAGES
    return WhereRaw(walk, scope.tenant_id, query.pattern)


def _among(column: Any, ids: list[Any]) -> Combinable:
    """``column`` is one of ``ids`` (one array parameter on PostgreSQL)."""
    unique = sorted({UUID(str(i)) for i in ids})
    if not unique:
        return NOTHING
    if _postgres():
        name = f'"conversation"."{column._meta.db_column_name}"'
        return WhereRaw(f"{name} = ANY({{}}::uuid[])", unique)
    condition: Combinable = column.is_in(unique)
    return condition
