"""One shape for an inbound message, whichever transport delivered it.

Every kind WhatsApp delivers has a place here, so nothing a customer sends is
lost or garbled on its way to the inbox. ``kind`` says what it is and ``data``
holds its fields (the same keys for the Cloud API and WhatsApp-Web); ``text``
is what the inbox previews and searches:

- text: no data; text the words.
- image, document, audio, video: media in ``media_*``, ``filename``; text the caption;
  audio has ``{"voice"}`` (a voice note).
- sticker: ``{"animated"}``; media as above; text "".
- location: ``{"latitude", "longitude", "name", "address", "url"}``; text
  "📍 name, address" (never the coordinates, which read like a phone number).
- contacts: ``{"contacts": [{"name", "org", "phones": [{"phone", "wa_id", "type"}],
  "emails": [str]}]}``; text "👤 Ana Silva, +1 555 0100" per card.
- reply (a tapped button or list row): ``{"id", "title", "description", "source"}``
  with source button, list or quick_reply; text the title.
- form: a Flow's answers ``{"name", "fields": {label: value}}``, or a call-permission
  reply ``{"call_permission": "accept"|"reject", "expires_at"}``; text "label: value; …".
- order: ``{"catalog_id", "note", "items": [{"product_id", "quantity", "price",
  "currency"}]}`` (``price`` in major units, as Meta sends it); text "🛒 …".
- poll: ``{"question", "options": [str], "selectable"}``; text the question.
- system: ``{"type", "body", "new_wa_id", "new_user_id", "identity"}``; text WhatsApp's
  words.
- unsupported: ``{"type", "errors"}``; text a placeholder naming the type.
- reaction: ``target_id`` names the message; text the emoji ("" removes it).
- edit: ``target_id`` names the message; text the new words.
- revoke: ``target_id`` names the message the customer deleted.

Any kind may carry ``data["referral"]`` (the ad a customer clicked:
``source_url``, ``source_type``, ``source_id``, ``headline``, ``body``,
``media_type``, ``ctwa_clid``), ``data["forwarded"]`` and
``data["frequently_forwarded"]`` (true when WhatsApp marks the message so), and
``data["referred_product"]`` (``catalog_id``, ``product_id``: the catalogue item
the customer asked about). ``reply_to`` is the id of a quoted message; ``raw`` is
what the transport delivered, kept with the event (retention).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # Only a type: the Cloud API parser itself builds on InboundKind.
    from b2a.whatsapp.cloud_webhook import CloudMessage


class InboundKind(StrEnum):
    """Every kind of inbound update; the first ones are stored as messages of that kind."""

    TEXT = "text"
    IMAGE = "image"
    DOCUMENT = "document"
    AUDIO = "audio"
    VIDEO = "video"
    STICKER = "sticker"
    LOCATION = "location"
    CONTACTS = "contacts"
    REPLY = "reply"
    FORM = "form"
    ORDER = "order"
    POLL = "poll"
    SYSTEM = "system"
    UNSUPPORTED = "unsupported"
    REACTION = "reaction"
    EDIT = "edit"
    REVOKE = "revoke"


MEDIA_KINDS = frozenset(
    (
        InboundKind.IMAGE,
        InboundKind.DOCUMENT,
        InboundKind.AUDIO,
        InboundKind.VIDEO,
        InboundKind.STICKER,
    )
)
ANNOTATIONS = frozenset((InboundKind.REACTION, InboundKind.EDIT, InboundKind.REVOKE))
"""Kinds that change an earlier message (``target_id``) instead of adding one."""


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
    data: dict[str, Any] = field(default_factory=dict)
    target_id: str = ""
    reply_to: str = ""
    raw: dict[str, Any] = field(default_factory=dict)

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
    """A Cloud API message in the common shape; its content is already read per kind.

    A customer WhatsApp names only by a business-scoped user id has no phone
    identity, only the ``bsuid`` one.
    """
    identities = (
        [Identity("wa_id", message.wa_id), Identity("phone", message.wa_id)]
        if message.wa_id
        else []
    )
    if message.user_id:
        identities.append(Identity("bsuid", message.user_id))
    media = message.media
    return InboundMessage(
        wa_message_id=message.wamid,
        identities=identities,
        phone=message.wa_id,
        profile_name=message.profile_name,
        kind=message.kind,
        text=message.text,
        sent_at=message.sent_at,
        media_id=media.media_id if media else "",
        media_mime=media.mime_type if media else "",
        filename=media.filename if media else "",
        data=dict(message.data),
        target_id=message.target_id,
        reply_to=message.context_wamid,
        raw=dict(message.raw),
    )
