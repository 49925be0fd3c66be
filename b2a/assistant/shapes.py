"""What the assistant's parts hand each other: the catalogue it may sell, the turn, the draft.

Providers (the offline catalog assistant, an OpenAI-compatible endpoint) read an
``AssistantRequest`` and answer a ``ProviderReply``; nothing a provider returns is
trusted until grounding and the guardrails have checked it against the catalogue.
These shapes hold plain values only, so every part can be tested without a database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from b2a.tenants.hours import Day

_PACK = re.compile(r"\((\d{1,3}(?:,\d{3})*|\d+)\s*[a-z. ]*\)", re.IGNORECASE)
"""A pack size written in a service's name: "(100 pcs)", "(1,000 cards)"."""


class Intent(StrEnum):
    """What a customer message asks for."""

    GREETING = "greeting"
    QUESTION = "question"
    """A price, availability or FAQ question."""
    ORDER = "order"
    DETAILS = "details"
    """The customer gives their name, phone, address …"""
    HUMAN = "human"
    HOURS = "hours"
    THANKS = "thanks"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class CatalogItem:
    """One active service at its fixed price, in integer minor units."""

    id: UUID
    name: str
    price_minor: int
    currency: str
    description: str = ""
    synonyms: tuple[str, ...] = ()
    duration_minutes: int | None = None
    """How long the service takes, when the business said."""

    def packs(self, count: int) -> int:
        """How many of this service ``count`` pieces are: "200 flyers" of "Flyers (100 pcs)" is 2.

        Customers count pieces where the catalogue sells packs; a count that is
        not a whole number of packs stays as written, for the team to see.
        """
        found = _PACK.search(self.name)
        size = int(found.group(1).replace(",", "")) if found else 1
        return count // size if size > 1 and count >= size and count % size == 0 else count


@dataclass(frozen=True)
class FaqItem:
    """A question the tenant answered once, and other ways customers ask it."""

    id: UUID
    question: str
    answer: str
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class CatalogView:
    """Everything the assistant may talk about for one tenant: nothing else exists."""

    business_name: str
    services: tuple[CatalogItem, ...] = ()
    faq: tuple[FaqItem, ...] = ()

    def service(self, service_id: UUID) -> CatalogItem | None:
        """The active service with this id, or None when it is not in the catalogue."""
        return next((s for s in self.services if s.id == service_id), None)


@dataclass(frozen=True)
class Turn:
    """One earlier message of the conversation, oldest first."""

    from_customer: bool
    text: str


@dataclass(frozen=True)
class OrderLine:
    """One service on the order in progress, at the price it was priced at."""

    service_id: UUID
    name: str
    quantity: int
    unit_price_minor: int


@dataclass(frozen=True)
class OrderInProgress:
    """The conversation's open order request, as the customer would read it."""

    number: int
    status: str
    lines: tuple[OrderLine, ...]
    total_minor: int
    currency: str
    requested_at: datetime | None = None
    """The time asked for (aware, UTC), for businesses whose orders need one."""
    missing: tuple[str, ...] = ()
    """What the request still needs before the team can approve it ("name", "time" …)."""


@dataclass(frozen=True)
class AssistantRequest:
    """Everything a provider needs to answer one customer message."""

    catalog: CatalogView
    message: str
    history: tuple[Turn, ...] = ()
    known_fields: dict[str, str] = field(default_factory=dict)
    """Customer details collected so far (name, phone, email, address)."""
    required_fields: tuple[str, ...] = ("name", "phone", "address")
    keywords: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Tenant-added keywords per intent value, on top of the built-in ones."""
    model: str = ""
    hours: str = ""
    """Opening hours in words ("Mon-Fri 09:00-17:00; Sat, Sun closed"), for hours questions."""
    humans_back: str = ""
    """When the team is back ("Monday 09:00") while closed; empty while open."""
    now: datetime | None = None
    """The moment of the customer's message (aware); relative times ("kal 5 baje") count from it."""
    time_zone: str = "UTC"
    """The business's zone: every time the customer says or reads is in it."""
    opening: tuple[Day, ...] = ()
    """The weekly opening hours as values; empty when the business set none (always open)."""
    orders_need: str = "address"
    """``orders.rules.OrdersNeed``: what an order request needs besides its items."""
    order: OrderInProgress | None = None
    """The conversation's order request still open (DRAFT or waiting for approval)."""
    greeted: bool = False
    """The business's own greeting message leads this reply: the answer must not greet again."""


@dataclass(frozen=True)
class ItemRef:
    """A catalogue service the reply talks about, and how many the customer wants."""

    service_id: UUID
    quantity: int = 1


@dataclass(frozen=True)
class ProviderReply:
    """A provider's answer, unverified.

    ``confidence`` is the provider's own estimate in [0, 1]; ``evidence`` is how
    well the message matched the catalogue or FAQ (retrieval score in [0, 1]),
    when the provider measured it.
    """

    intent: Intent
    text: str
    confidence: float
    items: tuple[ItemRef, ...] = ()
    fields: dict[str, str] = field(default_factory=dict)
    requested_at: datetime | None = None
    """A time the customer asked for (aware), for an order that needs one."""
    evidence: float = 0.0
    provider: str = "catalog"
    model: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_micro_usd: int = 0
    """Estimated from the provider's price table for the model."""
    fallback_reason: str = ""
    """Set when the configured provider was down and the catalog assistant answered instead."""


class Provider(Protocol):
    """Something that drafts a reply; ``ProviderDown`` when it cannot answer right now."""

    name: str

    async def reply(self, request: AssistantRequest) -> ProviderReply:
        """Draft an answer to ``request.message``."""
        ...


class ProviderDown(Exception):
    """The provider could not answer (timeout, 5xx, 429 after retries, unusable output)."""
