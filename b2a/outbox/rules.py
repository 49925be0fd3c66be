"""States of templates and scheduled messages."""

from __future__ import annotations

from enum import StrEnum


class TemplateSource(StrEnum):
    """Local templates are ours; Meta templates are synced from the Cloud API."""

    LOCAL = "local"
    META = "meta"


class MetaTemplateStatus(StrEnum):
    """Approval status of a Meta template; only APPROVED ones may be sent."""

    APPROVED = "APPROVED"
    PENDING = "PENDING"
    REJECTED = "REJECTED"
    PAUSED = "PAUSED"
    DISABLED = "DISABLED"


class ScheduleStatus(StrEnum):
    """A scheduled message is SENT or FAILED only once the send really succeeded or failed."""

    PENDING = "PENDING"
    SENT = "SENT"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
