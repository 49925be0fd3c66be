"""Meta's word about one template between syncs: its status, quality or category changed.

The stored Meta template is found by Meta's id, else by name and language
(Meta writes ``en_US`` in its lists and sometimes ``en-US`` in webhooks). A
template b2a has not synced yet is not created here: the webhook carries no
body, and a row without one could be listed as approved and sent with the
wrong words. The change is recorded on its event (``orphaned``) and the next
sync brings the template in whole; a rejection or pause is still announced.

When a template is rejected, paused or disabled, the tenant's admins are told
(a notice, and an email when email works); a later approval turns that notice
into news.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from b2a.outbox.rules import MetaTemplateStatus, TemplateSource
from b2a.outbox.tables import MessageTemplate
from b2a.settings import Settings
from b2a.tenants.notices import Announcement, Level, announce, settle_notice
from b2a.tenants.scope import TenantScope

# Meta's template events and the status each leaves the template in; FLAGGED
# (low quality, at risk of a pause) leaves it as it is.
STATUS_OF_EVENT = {
    "APPROVED": MetaTemplateStatus.APPROVED,
    "REINSTATED": MetaTemplateStatus.APPROVED,
    "UNPAUSED": MetaTemplateStatus.APPROVED,
    "REJECTED": MetaTemplateStatus.REJECTED,
    "PAUSED": MetaTemplateStatus.PAUSED,
    "DISABLED": MetaTemplateStatus.DISABLED,
    "PENDING_DELETION": MetaTemplateStatus.DISABLED,
    "DELETED": MetaTemplateStatus.DISABLED,
    "ARCHIVED": MetaTemplateStatus.DISABLED,
    "LIMIT_EXCEEDED": MetaTemplateStatus.DISABLED,
    "PENDING": MetaTemplateStatus.PENDING,
    "IN_APPEAL": MetaTemplateStatus.PENDING,
    "APPEAL_REQUESTED": MetaTemplateStatus.PENDING,
}
QUALITIES = frozenset({"GREEN", "YELLOW", "RED", "UNKNOWN"})
REASONS = {
    "ABUSIVE_CONTENT": "Meta found its content abusive",
    "INCORRECT_CATEGORY": "its category does not match its content",
    "INVALID_FORMAT": "its format is not valid (placeholders, length or samples)",
    "SCAM": "Meta judged it a scam",
    "TAG_CONTENT_MISMATCH": "its content does not match its category",
    "PROMOTIONAL": "it is promotional for its category",
}
# What each bad event means for sending, and whether the admins are emailed.
BAD_NEWS = {
    "REJECTED": (Level.DANGER, "was rejected by Meta and cannot be sent", True),
    "PAUSED": (
        Level.WARNING,
        "was paused by Meta (customers reported it) and cannot be sent",
        True,
    ),
    "DISABLED": (Level.DANGER, "was disabled by Meta and cannot be sent any more", True),
    "PENDING_DELETION": (Level.DANGER, "is being deleted at Meta and cannot be sent", True),
    "FLAGGED": (
        Level.WARNING,
        "was flagged for low quality: Meta pauses it unless its quality improves",
        False,
    ),
}
FIX = "Edit it in Meta's WhatsApp Manager (or appeal), then sync the templates page."


@dataclass(frozen=True)
class TemplateRef:
    """Which template a change is about, as Meta names it."""

    meta_id: str
    name: str
    language: str

    @classmethod
    def of(cls, value: Mapping[str, Any]) -> TemplateRef:
        """The template named in a template webhook's value."""
        return cls(
            str(value.get("message_template_id") or ""),
            str(value.get("message_template_name") or ""),
            str(value.get("message_template_language") or ""),
        )

    @property
    def source_key(self) -> str:
        """What a notice about this template is about."""
        return f"template:{self.meta_id or self.name + ':' + self.language}"

    @property
    def label(self) -> str:
        """The template as the business knows it."""
        return f"{self.name or self.meta_id} ({self.language})" if self.language else self.name


def _same_language(a: str, b: str) -> bool:
    return a.replace("-", "_").lower() == b.replace("-", "_").lower()


async def find_template(scope: TenantScope, ref: TemplateRef) -> MessageTemplate | None:
    """The stored Meta template a change is about, by Meta's id, else by name and language."""
    meta = scope.objects(MessageTemplate).where(MessageTemplate.source == TemplateSource.META)
    if ref.meta_id:
        row = await meta.where(MessageTemplate.meta_id == ref.meta_id).first()
        if row is not None:
            return row
    named = scope.objects(MessageTemplate).where(
        (MessageTemplate.source == TemplateSource.META) & (MessageTemplate.name == ref.name)
    )
    return next((row for row in await named if _same_language(row.language, ref.language)), None)


def reason_words(value: Mapping[str, Any]) -> str:
    """Meta's reason in plain words ('' for none), with its explanation when one came."""
    raw = str(value.get("reason") or "").strip()
    words = "" if raw.upper() in ("", "NONE") else REASONS.get(raw.upper(), raw.replace("_", " "))
    other = value.get("other_info")
    if isinstance(other, Mapping):
        detail = " ".join(str(other.get(k) or "") for k in ("title", "description")).strip()
        words = f"{words}: {detail}" if words and detail else words or detail
    return words[:300]


async def apply_template_status(
    scope: TenantScope, value: Mapping[str, Any], settings: Settings | None
) -> str:
    """A template's new status (``message_template_status_update``); the event's outcome."""
    ref = TemplateRef.of(value)
    event = str(value.get("event") or "").upper()
    reason = reason_words(value)
    row = await find_template(scope, ref)
    if row is not None:
        status = STATUS_OF_EVENT.get(event)
        if status is not None:
            row.meta_status = status
        row.status_reason = "" if status is MetaTemplateStatus.APPROVED else reason
        await row.save([MessageTemplate.meta_status, MessageTemplate.status_reason])
    await _tell(scope, ref, event, reason, settings)
    return "applied" if row is not None else "orphaned"


async def _tell(
    scope: TenantScope, ref: TemplateRef, event: str, reason: str, settings: Settings | None
) -> None:
    if STATUS_OF_EVENT.get(event) is MetaTemplateStatus.APPROVED:
        await settle_notice(scope, ref.source_key, f"Template {ref.label} is approved again.")
        return
    if event not in BAD_NEWS:
        return
    level, meaning, email = BAD_NEWS[event]
    because = f" Reason: {reason}." if reason else ""
    text = f"Template {ref.label} {meaning}.{because} {FIX}"
    subject = f"WhatsApp template {ref.name or ref.meta_id} {event.lower().replace('_', ' ')}"
    await announce(
        scope,
        Announcement("template_status", level, text, ref.source_key, subject if email else ""),
        settings,
    )


async def apply_template_quality(scope: TenantScope, value: Mapping[str, Any]) -> str:
    """A template's new quality rating (``message_template_quality_update``)."""
    quality = str(value.get("new_quality_score") or "UNKNOWN").upper()
    row = await find_template(scope, TemplateRef.of(value))
    if row is None:
        return "orphaned"
    row.quality = quality if quality in QUALITIES else "UNKNOWN"
    await row.save([MessageTemplate.quality])
    return "applied"


async def apply_template_category(scope: TenantScope, value: Mapping[str, Any]) -> str:
    """A template's new category (``template_category_update``): it decides who may get it."""
    category = str(value.get("new_category") or value.get("correct_category") or "").upper()
    row = await find_template(scope, TemplateRef.of(value))
    if row is None or not category:
        return "orphaned" if row is None else "ignored"
    row.category = category[:20]
    await row.save([MessageTemplate.category])
    return "applied"
