"""What the customer directory reads and writes at its edges: msgspec Structs for OpenAPI."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec


class TagOut(msgspec.Struct):
    """A tag on a customer: one of the tenant's labels."""

    id: UUID
    name: str
    color: str


class CustomerSummary(msgspec.Struct):
    """A customer as the directory lists them.

    ``sandbox`` is true for the test customers of the sandbox page
    (``Customer.sandbox``): not real people.
    """

    id: UUID
    name: str
    phone: str
    """E.164 digits without the ``+``."""
    email: str
    tags: list[TagOut]
    sandbox: bool
    created_at: datetime
    last_seen_at: datetime | None


class CustomerPage(msgspec.Struct):
    """One page of customers, newest first; pass ``next_cursor`` back as ``cursor``."""

    items: list[CustomerSummary]
    next_cursor: str | None


class CustomerConversation(msgspec.Struct):
    """One of the customer's conversations, as the inbox lists it."""

    id: UUID
    transport: str
    status: str
    owner: str
    last_message_preview: str
    last_message_at: datetime | None


class CustomerOrder(msgspec.Struct):
    """One of the customer's orders."""

    id: UUID
    number: int
    status: str
    total: str
    requested_at: datetime | None
    created_at: datetime


class CustomerOut(msgspec.Struct):
    """A customer with their details, tags, conversations and orders (newest first)."""

    id: UUID
    name: str
    phone: str
    email: str
    address: str
    tags: list[TagOut]
    sandbox: bool
    marketing_opt_out_at: datetime | None
    created_at: datetime
    last_seen_at: datetime | None
    conversations: list[CustomerConversation]
    orders: list[CustomerOrder]


class CustomerCreate(msgspec.Struct):
    """A customer added by hand.

    ``phone`` may be written any way (spaces, dashes, ``00``); a national
    number (no ``+``) is read in the business's country, taken from its time zone.
    ``tags`` are label names; a name the business has no label for becomes a new label.
    """

    phone: str
    name: str = ""
    email: str = ""
    address: str = ""
    tags: list[str] = msgspec.field(default_factory=list)


class CustomerUpdate(msgspec.Struct):
    """The fields to change; one left out (null) stays as it is. ``tags`` replaces the set."""

    name: str | None = None
    email: str | None = None
    address: str | None = None
    tags: list[str] | None = None


class ImportProblem(msgspec.Struct):
    """Why one line of the file was refused (line 1 is the header)."""

    line: int
    reason: str
    field: str


class ImportReport(msgspec.Struct):
    """What an import did, or would do.

    ``imported`` is false when any line has a problem (then nothing was
    written) or when only checked (``dry_run``); ``created`` and ``updated``
    count what was (or would be) written: a number the business already has
    updates that customer.
    """

    imported: bool
    rows: int
    created: int
    updated: int
    problems: list[ImportProblem]
    ignored_columns: list[str]
