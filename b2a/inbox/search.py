"""Inbox search: which conversations a query matches, found through indexes, tenant by tenant.

A conversation matches when its customer's name contains the query, when its
customer's number contains the query's digits (a query that is a number:
digits, spaces, "+", "(", ")", "-" or "."), or, for any other query, when one
of its messages contains the query. Matching is a case-insensitive substring
test of the literal text ("%" and "_" are characters, not wildcards); on
SQLite "case-insensitive" covers ASCII letters only, as its LIKE does.

A number never looks at message text: people type a number to find a person.

How it stays fast at a million messages (docs/performance.md, "Inbox at a
million messages", has the figures and plans). A page is the newest matching
conversations, found in one of three ways, cheapest first:

1. Walk a window. The newest ``WINDOW`` conversations (after the cursor) are
   checked one by one, newest first: their customer, and their few messages
   through the thread index. A word that matches often fills its page here
   (reading its matches through the index would cost as much as the scan),
   and a walk in order is exact however far it went. The cost does not grow
   with the tenant. A number's window is four times wider: its walk looks up
   only the customer, and a country code (1 customer in 6) fills it.
2. Index first. Otherwise the tenant's matching customers and messages are
   read through the search indexes (PostgreSQL: pg_trgm GIN indexes that lead
   with the tenant, so a small tenant never wades through a big one's rows;
   SQLite: the FTS5 trigram table ``message_search``), at most ``CAP`` rows.
   Fewer than ``CAP`` is all there is: the page is the newest of those
   conversations.
3. Walk on. ``CAP`` rows or more, or a query under 3 characters (too short
   for trigrams): the walk of step 1 continues past the window to a full page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from piccolo.columns.combination import Combinable, WhereRaw
from piccolo.query import Select

from b2a.db.keyset import after, decode_cursor, encode_cursor
from b2a.db.sql import Statement
from b2a.inbox.tables import Conversation, Message
from b2a.tenants.scope import TenantScope

WINDOW = 100
"""Conversations walked before the indexes are asked (measured: bench/inbox.py)."""
NUMBER_WINDOW = 4
"""A number's window is this many times wider: its walk looks up only the customer."""
CAP = 2000
"""Rows read through an index before a query counts as common (measured: bench/inbox.py)."""
FEW = 200
"""Ids written into a statement; more go as a parameter and the inbox is walked (``_among``)."""
TRIGRAM = 3
"""The shortest query an index can answer (pg_trgm and FTS5's trigram tokenizer)."""

_NUMBER = re.compile(r"[\d\s+()\-.]+")

# The probes (step 2): one condition per statement, so that the plan PostgreSQL settles on
# for a prepared statement (a generic plan, after a few runs) still reads the trigram index.
# Each answers in one row: how many rows it read (up to the cap) and their ids joined by
# commas, so that 2,000 ids cross the connection as one string each way instead of 2,000
# values decoded, checked and encoded again (about 2 ms of the server's CPU per search).
_PG_PROBE = (
    "SELECT count(*) AS found, coalesce(array_to_string(array_agg({column}), ','), '') AS ids"
    " FROM ({rows} LIMIT :cap) probe"
)
_SQLITE_PROBE = (
    "SELECT count(*) AS found, coalesce(group_concat({column}, ','), '') AS ids"
    " FROM ({rows} LIMIT :cap) probe"
)
_PG_NAMES = Statement(
    _PG_PROBE.format(
        column="id", rows="SELECT id FROM customer WHERE tenant = :tenant AND name ILIKE :pattern"
    )
)
_PG_PHONES = Statement(
    _PG_PROBE.format(
        column="id", rows="SELECT id FROM customer WHERE tenant = :tenant AND phone LIKE :digits"
    )
)
_PG_MESSAGES = Statement(
    _PG_PROBE.format(
        column="conversation",
        rows="SELECT conversation FROM message WHERE tenant = :tenant AND text ILIKE :pattern",
    )
)
_SQLITE_NAMES = Statement(
    _SQLITE_PROBE.format(
        column="id",
        rows="SELECT id FROM customer WHERE tenant = :tenant AND name LIKE :pattern ESCAPE '\\'",
    )
)
_SQLITE_PHONES = Statement(
    _SQLITE_PROBE.format(
        column="id", rows="SELECT id FROM customer WHERE tenant = :tenant AND phone LIKE :digits"
    )
)
_SQLITE_MESSAGES = Statement(
    _SQLITE_PROBE.format(
        column="conversation",
        rows="SELECT m.conversation FROM message_search s JOIN message m ON m.rowid = s.rowid"
        " WHERE message_search MATCH :phrase AND m.tenant = :tenant"
        " AND m.text LIKE :pattern ESCAPE '\\'",
    )
)
_IDS = re.compile(r"[0-9a-f,-]*")
"""What a probe's ids can hold: lowercase UUIDs and commas, nothing a statement could run."""
# The walk (steps 1 and 3): one conversation at a time, newest first. The substring test is a plain
# strpos/instr that no index can serve, so the plan stays "walk the inbox index, look up each
# conversation's few messages" even as a generic plan (one that used the trigram index per
# conversation took 8 ms a row); OFFSET 0 keeps PostgreSQL from turning an EXISTS into a join
# or a hashed subplan that reads every match (of every tenant) before the first row.
_WALK = {
    "postgres": (
        'EXISTS (SELECT 1 FROM message m WHERE m.conversation = "conversation"."id"'
        " AND m.tenant = {} AND strpos(lower(m.text), lower({})) > 0 OFFSET 0)",
        'EXISTS (SELECT 1 FROM customer c WHERE c.id = "conversation"."customer"'
        " AND strpos(lower(c.name), lower({})) > 0 OFFSET 0)",
        'EXISTS (SELECT 1 FROM customer c WHERE c.id = "conversation"."customer"'
        " AND (strpos(lower(c.name), lower({})) > 0 OR strpos(c.phone, {}) > 0) OFFSET 0)",
    ),
    "sqlite": (
        'EXISTS (SELECT 1 FROM message m WHERE m.conversation = "conversation"."id"'
        " AND m.tenant = {} AND instr(lower(m.text), lower({})) > 0)",
        'EXISTS (SELECT 1 FROM customer c WHERE c.id = "conversation"."customer"'
        " AND instr(lower(c.name), lower({})) > 0)",
        'EXISTS (SELECT 1 FROM customer c WHERE c.id = "conversation"."customer"'
        " AND (instr(lower(c.name), lower({})) > 0 OR instr(c.phone, {}) > 0))",
    ),
}
NOTHING = WhereRaw("1 = 0")


@dataclass(frozen=True)
class Query:
    """A search as typed, in the shapes the statements take."""

    text: str
    pattern: str
    """``%text%`` with LIKE's wildcards escaped."""
    digits: str
    """The digits of a number; empty when the query is not one."""

    @property
    def is_number(self) -> bool:
        """Whether the query is a number: then message text is not searched."""
        return bool(self.digits)

    @property
    def indexable(self) -> bool:
        """Whether trigram indexes can answer it (3 characters or more)."""
        return len(self.text) >= TRIGRAM


def parse_query(text: str) -> Query:
    """The query, trimmed; a number needs 3 digits or more to search phones."""
    text = text.strip()
    digits = re.sub(r"\D", "", text)
    number = len(digits) >= TRIGRAM and _NUMBER.fullmatch(text) is not None
    return Query(text, f"%{_escaped(text)}%", digits if number else "")


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _engine() -> str:
    return str(Message._meta.db.engine_type)


def on_postgres() -> bool:
    """Whether the bound engine is PostgreSQL (its statements differ from SQLite's here)."""
    return _engine() == "postgres"


async def newest(query: Select, count: int) -> list[dict[str, Any]]:
    """The first ``count`` rows of a conversation query, most recent activity first."""
    rows: list[dict[str, Any]] = await query.order_by(
        Conversation.last_message_at, Conversation.id, ascending=False
    ).limit(count)
    return rows


async def newest_matching(
    scope: TenantScope,
    text: str,
    listed: Callable[[], Select],
    cursor: str | None,
    count: int,
    *,
    window: int = WINDOW,
    cap: int = CAP,
) -> list[dict[str, Any]]:
    """The first ``count`` conversations of ``listed()`` that ``text`` finds, newest first.

    ``listed`` builds the list's query (tenant, filters, cursor) afresh each
    time it is called. ``window`` and ``cap``: see the module docstring.
    """
    query = parse_query(text)
    edge = await _window_edge(scope, cursor, window * NUMBER_WINDOW if query.is_number else window)
    walked = listed().where(_walk(scope, query))
    if edge is None:  # the whole rest of the inbox fits in the window
        return await newest(walked, count)
    rows = await newest(walked.where(_not_after(edge)), count)
    if len(rows) == count:
        return rows
    return await newest(listed().where(await _indexed(scope, query, cap)), count)


async def _window_edge(scope: TenantScope, cursor: str | None, window: int) -> str | None:
    """The cursor of the ``window``-th conversation after ``cursor``; None if there are fewer."""
    query = scope.select(Conversation, Conversation.last_message_at, Conversation.id).where(
        Conversation.last_message_at.is_not_null()
    )
    if cursor:
        query = query.where(after(Conversation.last_message_at, Conversation.id, cursor))
    rows = (
        await query.order_by(Conversation.last_message_at, Conversation.id, ascending=False)
        .offset(window - 1)
        .limit(1)
    )
    return encode_cursor(rows[0]["last_message_at"], rows[0]["id"]) if rows else None


def _not_after(edge: str) -> Combinable:
    """Rows up to the one at ``edge`` and any sharing its time: still a prefix of the order.

    One range on the time (no OR on the id) keeps the inbox index's ordered
    scan, which stops at a full page instead of checking the whole window.
    """
    at, _ = decode_cursor(edge)
    condition: Combinable = Conversation.last_message_at >= at
    return condition


def _walk(scope: TenantScope, query: Query) -> Combinable:
    """The condition checked conversation by conversation: customer, then messages."""
    if query.is_number:
        return _customer_walk(query)
    return _customer_walk(query) | _message_walk(scope, query)


def _customer_walk(query: Query) -> Combinable:
    _, names_walk, numbers_walk = _WALK[_engine()]
    if query.is_number:
        return WhereRaw(numbers_walk, query.text, query.digits)
    return WhereRaw(names_walk, query.text)


def _message_walk(scope: TenantScope, query: Query) -> Combinable:
    return WhereRaw(_WALK[_engine()][0], scope.tenant_id, query.text)


async def _indexed(scope: TenantScope, query: Query, cap: int) -> Combinable:
    """The conversations the search indexes find, or the walk where they hold ``cap`` or more."""
    customers = await _customer_condition(scope, query, cap)
    if query.is_number:
        return customers
    return customers | await _message_condition(scope, query, cap)


async def _customer_condition(scope: TenantScope, query: Query, cap: int) -> Combinable:
    postgres = on_postgres()
    if query.indexable or query.is_number:
        names = _PG_NAMES if postgres else _SQLITE_NAMES
        probes = [await _probe(scope, names, pattern=query.pattern, cap=cap)]
        if query.is_number:
            phones = _PG_PHONES if postgres else _SQLITE_PHONES
            probes.append(await _probe(scope, phones, digits=f"%{query.digits}%", cap=cap))
        if sum(found for found, _ in probes) < cap:
            return _among(Conversation.customer, [ids for _, ids in probes])
    return _customer_walk(query)


async def _message_condition(scope: TenantScope, query: Query, cap: int) -> Combinable:
    if query.indexable:
        if on_postgres():
            found, ids = await _probe(scope, _PG_MESSAGES, pattern=query.pattern, cap=cap)
        else:
            phrase = '"' + query.text.replace('"', '""') + '"'
            found, ids = await _probe(
                scope, _SQLITE_MESSAGES, phrase=phrase, pattern=query.pattern, cap=cap
            )
        if found < cap:
            return _among(Conversation.id, [ids])
    return _message_walk(scope, query)


async def _probe(scope: TenantScope, statement: Statement, **params: Any) -> tuple[int, str]:
    """How many rows a probe read (at most its cap) and their ids, comma-joined."""
    row = await scope.fetchrow(statement, **params)
    return (int(row["found"]), str(row["ids"])) if row else (0, "")


def _among(column: Any, joined: list[str]) -> Combinable:
    """``column`` is one of the ids the probes found (``joined``: each probe's, comma-joined).

    A few ids (up to ``FEW``) are written into the statement as an array
    constant: the planner knows how many there are and looks each one up. As a
    parameter it did not know: it walked all 100,000 conversations for 4 ids
    (351 ms). Many ids (a name shared by 2,000 customers) match often, so the
    inbox is walked newest first with the ids hashed once, stopping at a full
    page (1.4 ms against 6.2 ms for 2,000 written-in ids); they go as one text
    parameter. The ``IS TRUE`` keeps PostgreSQL from turning the ``IN`` into a
    join, which looked up every match and sorted them all (14.5 ms): a sublink
    that is not a plain condition of the WHERE stays a hashed subplan. Written
    as a constant, 2,000 ids also made an 80 kB statement to send, parse and
    plan on every search, each one a new prepared statement.
    """
    ids = ",".join(part for part in joined if part)
    if not ids:
        return NOTHING
    if not on_postgres():
        condition: Combinable = column.is_in(ids.split(","))
        return condition
    if not _IDS.fullmatch(ids):
        raise ValueError(f"a search probe returned something other than ids: {ids[:80]!r}")
    name = f'"conversation"."{column._meta.db_column_name}"'
    if ids.count(",") < FEW:
        constant = ",".join(f"'{i}'" for i in ids.split(","))
        return WhereRaw(f"{name} = ANY(ARRAY[{constant}]::uuid[])")
    return WhereRaw(f"({name} IN (SELECT unnest(string_to_array({{}}, ',')::uuid[]))) IS TRUE", ids)
