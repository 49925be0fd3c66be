"""What the catalogue reads and writes at its edges: msgspec Structs, documented in OpenAPI."""

from __future__ import annotations

from uuid import UUID

import msgspec


class ServiceIn(msgspec.Struct):
    """A new service; ``price`` is a decimal string in the business's currency ("1500", "12.50")."""

    name: str
    price: str
    currency: str = ""
    """Empty, or the business's own ISO 4217 code: any other is refused (422)."""
    description: str = ""
    synonyms: list[str] = msgspec.field(default_factory=list)
    is_active: bool = True
    display_order: int | None = None
    """Position in lists; empty puts the service last."""
    sku: str = ""
    """Its content ID in the WhatsApp catalogue (Commerce Manager), so carts find it; optional."""
    duration_minutes: int | None = None
    """How long it takes, in whole minutes from 1 to 1440; null when the business does not say."""


class ServiceUpdate(msgspec.Struct):
    """A change to a service: fields left out (or null) stay as they are."""

    name: str | None = None
    price: str | None = None
    """In the business's currency; a service left in another currency moves to the business's."""
    currency: str | None = None
    """Only the business's own code: ``POST /settings/currency`` changes it for every service."""
    description: str | None = None
    synonyms: list[str] | None = None
    is_active: bool | None = None
    display_order: int | None = None
    sku: str | None = None
    """The WhatsApp catalogue's content ID; "" removes it."""
    duration_minutes: int | None = None
    """Whole minutes from 1 to 1440; 0 removes the duration."""


class ServiceOut(msgspec.Struct):
    """A service at its fixed price: exact (``price``, ``price_minor``) and as customers read it."""

    id: UUID
    name: str
    description: str
    price: str
    price_minor: int
    currency: str
    price_display: str
    synonyms: list[str]
    is_active: bool
    display_order: int
    sku: str
    """Its content ID in the WhatsApp catalogue; "" when it has none."""
    duration_minutes: int | None = None
    """How long it takes in minutes; null when not set."""
    duration_display: str = ""
    """The duration as people read it ("45 min", "1 h 30 min"); "" when not set."""


class FaqIn(msgspec.Struct):
    """A new FAQ entry."""

    question: str
    answer: str
    synonyms: list[str] = msgspec.field(default_factory=list)
    """Other ways customers ask it ("shop ka address?"), matched like the question."""
    is_active: bool = True
    display_order: int | None = None


class FaqUpdate(msgspec.Struct):
    """A change to an FAQ entry: fields left out (or null) stay as they are."""

    question: str | None = None
    answer: str | None = None
    synonyms: list[str] | None = None
    is_active: bool | None = None
    display_order: int | None = None


class FaqOut(msgspec.Struct):
    """An FAQ entry; only active ones reach the assistant."""

    id: UUID
    question: str
    answer: str
    synonyms: list[str]
    is_active: bool
    display_order: int


class ReorderIn(msgspec.Struct):
    """Ids in their new order; ids left out keep their order after the listed ones."""

    ids: list[UUID]


class ServiceImportOut(msgspec.Struct):
    """What a catalogue import did: every row was valid, so all of them were applied."""

    added: int
    updated: int
    services: list[ServiceOut]
    """The whole catalogue after the import, in display order."""
