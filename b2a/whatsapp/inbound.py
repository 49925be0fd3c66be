"""One shape for an inbound message, whichever transport delivered it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from b2a.whatsapp.cloud_webhook import CloudMessage


@dataclass(frozen=True)
class Identity:
    """One way WhatsApp names the sender (phone, jid, lid, wa_id, bsuid)."""

    kind: str
    value: str


@dataclass(frozen=True)
class InboundMessage:
    """A message as the inbox stores it; ``from_me`` marks an echo typed on the paired phone.

    Media comes one of two ways: ``media_id`` names a Cloud API file the worker
    downloads, ``media_file`` a WhatsApp-Web file the session already saved (relative to
    the tenant's media directory). ``media_error`` says in plain words why a file that
    was sent could not be kept; the message is stored all the same.
    """

    wa_message_id: str
    identities: list[Identity]
    phone: str
    profile_name: str
    kind: str
    text: str
    sent_at: datetime
    media_id: str = ""
    media_mime: str = ""
    filename: str = ""
    media_file: str = ""
    media_error: str = ""
    from_me: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict for the durable event row."""
        data = asdict(self)
        data["sent_at"] = self.sent_at.isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> InboundMessage:
        """The inverse of ``to_json``; payloads written before a field existed get its default."""
        return cls(
            **{
                **data,
                "identities": [Identity(**i) for i in data["identities"]],
                "sent_at": datetime.fromisoformat(data["sent_at"]),
            }
        )


def from_cloud(message: CloudMessage) -> InboundMessage:
    """A Cloud API message in the common shape."""
    identities = [Identity("wa_id", message.wa_id), Identity("phone", message.wa_id)]
    if message.user_id:
        identities.append(Identity("bsuid", message.user_id))
    media = message.media
    return InboundMessage(
        wa_message_id=message.wamid,
        identities=identities,
        phone=message.wa_id,
        profile_name=message.profile_name,
        kind=message.kind
        if message.kind in ("text", "image", "document", "audio", "video")
        else "text",
        text=message.text or ("" if message.kind in ("text",) else f"[{message.kind}]"),
        sent_at=message.sent_at,
        media_id=media.media_id if media else "",
        media_mime=media.mime_type if media else "",
        filename=media.filename if media else "",
    )
