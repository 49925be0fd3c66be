"""What templates look like at the API edge: msgspec Structs, documented in OpenAPI."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec


class TemplateOut(msgspec.Struct):
    """A message template; Meta templates carry their approval status."""

    id: UUID
    source: str
    name: str
    language: str
    category: str
    body: str
    variables: list[str]
    meta_status: str | None
    sendable: bool
    synced_at: datetime | None
    quality: str = ""
    """Meta's quality rating: GREEN, YELLOW, RED or UNKNOWN ('' before Meta rated it)."""
    status_reason: str = ""
    """Why Meta rejected, paused or flagged it, in plain words."""


class TemplateIn(msgspec.Struct, forbid_unknown_fields=True):
    """A local template: ``{{name}}`` placeholders in ``body``."""

    name: str
    body: str
    language: str = "en"
    category: str = ""


class TemplateSync(msgspec.Struct):
    """What a sync with Meta changed."""

    created: int
    updated: int
    disabled: int
    skipped: int
