"""One line that says what a message is, for the conversation list and notifications.

A message's ``text`` already reads well for most kinds (``b2a.whatsapp.inbound``
writes "📍 name, address" for a location, the question for a poll); media
without a caption and kinds that arrived without words get a label instead,
so the list never shows an empty line or a bare "[image]".
"""

from __future__ import annotations

from typing import Any

from b2a.inbox.rules import MessageKind

PREVIEW_LENGTH = 200
DELETED = "🚫 Deleted by the customer"

_MEDIA = (MessageKind.IMAGE, MessageKind.DOCUMENT, MessageKind.AUDIO, MessageKind.VIDEO)
_LABELS: dict[str, str] = {
    MessageKind.IMAGE: "📷 Photo",
    MessageKind.DOCUMENT: "📄 Document",
    MessageKind.AUDIO: "🎤 Voice message",
    MessageKind.VIDEO: "🎬 Video",
    MessageKind.STICKER: "Sticker",
    MessageKind.LOCATION: "📍 Location",
    MessageKind.CONTACTS: "👤 Contact card",
    MessageKind.REPLY: "A tapped button",
    MessageKind.FORM: "📝 Form answers",
    MessageKind.ORDER: "🛒 Order",
    MessageKind.POLL: "📊 Poll",
    MessageKind.SYSTEM: "A notice from WhatsApp",
    MessageKind.UNSUPPORTED: "A message WhatsApp could not show",
}


def preview_of(kind: str, text: str, data: dict[str, Any] | None = None, filename: str = "") -> str:
    """The conversation list's line for a message of ``kind``."""
    words = " ".join(text.split())
    label = _LABELS.get(kind, "")
    if kind == MessageKind.DOCUMENT:
        label = f"📄 {filename or (data or {}).get('filename') or 'Document'}"
    line = f"{label}: {words}" if kind in _MEDIA and words else words or label
    return line[:PREVIEW_LENGTH]
