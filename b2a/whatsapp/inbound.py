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

from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from b2a.whatsapp import ids

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
        """A JSON-safe dict for the durable event row.

        Field by field rather than ``dataclasses.asdict``, which deep-copies
        ``raw`` (the whole message as WhatsApp sent it): a tenth of the
        server's work per webhook (``bench.profile_serve``). The dicts are
        shared, not copied; the row is written from them at once.
        """
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["identities"] = [{"kind": i.kind, "value": i.value} for i in self.identities]
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


NAME_MAX = 120
"""``Customer.name``: a longer profile name is cut there."""
MIME_MAX = 100
"""``Message.media_mime``."""
PHONE_KINDS = frozenset(("phone", "wa_id"))
"""Identities that are a phone number; the others are opaque ids."""
BAD_MEDIA_ID = (
    "WhatsApp named this file with an id b2a cannot use, so it could not be fetched; "
    "ask the customer to send it again."
)


def fitted(message: InboundMessage) -> InboundMessage:
    """The message with every id and bounded field as the database holds it.

    Every transport's message passes here on its way in (``accept_inbound``):
    message ids by ``ids.message_id`` (an over-long one becomes its stable
    digest), phone identities by ``ids.phone`` (dropped when not a number),
    other identities by ``ids.opaque_id``, a media id by ``ids.meta_id`` (a
    file with an unusable id is kept as "could not be fetched"), and the profile
    name and media type cut to their columns. It is idempotent.
    """
    identities: list[Identity] = []
    for identity in message.identities:
        rule = ids.phone if identity.kind in PHONE_KINDS else ids.opaque_id
        value = rule(identity.value)
        if value and Identity(identity.kind, value) not in identities:
            identities.append(Identity(identity.kind, value))
    media_id = ids.meta_id(message.media_id)
    media_error = message.media_error
    if message.media_id and not media_id and not media_error:
        media_error = BAD_MEDIA_ID
    return replace(
        message,
        wa_message_id=ids.message_id(message.wa_message_id),
        identities=identities,
        phone=ids.phone(message.phone),
        profile_name=message.profile_name[:NAME_MAX],
        media_id=media_id,
        media_mime=message.media_mime[:MIME_MAX],
        media_error=media_error,
        target_id=ids.message_id(message.target_id),
        reply_to=ids.message_id(message.reply_to),
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
