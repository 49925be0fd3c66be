"""What each kind of WhatsApp-Web message becomes: the kinds and shapes of ``b2a.whatsapp.inbound``.

neonize hands over whatsmeow's ``waE2E.Message`` with one content field set
(``reactionMessage``, ``contactMessage``…), read here by attribute path only
(``HasField``, ``ListFields`` and the field names), never by importing neonize,
so the fake client drives the same code. The field names are checked against
neonize's real protobufs by ``tests/session/test_real_neonize.py``.

A kind b2a does not know still reaches the inbox, as ``unsupported`` naming its
protobuf field, so nothing a customer sends is silently lost. Only what carries
nothing for a person to read is ignored: encryption keys, app-state and history
sync, protocol messages other than edits and deletions, pins, and poll votes
(whatsmeow hands them over encrypted).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

from b2a.session.vcard import read_cards
from b2a.whatsapp.inbound import InboundKind

WRAPPERS = (
    "deviceSentMessage",
    "ephemeralMessage",
    "viewOnceMessage",
    "viewOnceMessageV2",
    "viewOnceMessageV2Extension",
    "documentWithCaptionMessage",
    "lottieStickerMessage",
    "editedMessage",
)
"""Envelopes around the real content (disappearing, view-once, sent from another device,
edited…); whatsmeow takes these off before its event, and so does ``unwrapped``."""
MEDIA = (
    ("imageMessage", InboundKind.IMAGE),
    ("videoMessage", InboundKind.VIDEO),
    ("ptvMessage", InboundKind.VIDEO),
    ("audioMessage", InboundKind.AUDIO),
    ("documentMessage", InboundKind.DOCUMENT),
    ("stickerMessage", InboundKind.STICKER),
)
SILENT = frozenset(
    {
        "conversation",
        "messageContextInfo",
        "senderKeyDistributionMessage",
        "fastRatchetKeySenderKeyDistributionMessage",
        "protocolMessage",
        "pollUpdateMessage",
        "encReactionMessage",
        "encCommentMessage",
        "encEventResponseMessage",
        "secretEncryptedMessage",
        "keepInChatMessage",
        "pinInChatMessage",
        "stickerSyncRmrMessage",
        "groupRootKeyShare",
        "rootSecretDistributeMessage",
        "placeholderMessage",
        "messageHistoryBundle",
        "messageHistoryNotice",
        "call",
        "chat",
        *WRAPPERS,
    }
)
"""Fields that carry no content of their own (keys, sync, encrypted votes, pins, envelopes)."""
REVOKE = 0  # ProtocolMessage.Type.REVOKE (checked against the real enum by the tests)
MESSAGE_EDIT = 14  # ProtocolMessage.Type.MESSAGE_EDIT
AD_MEDIA = {1: "image", 2: "video"}  # ContextInfo.ExternalAdReplyInfo.MediaType
POLLS = (
    "pollCreationMessage",
    "pollCreationMessageV2",
    "pollCreationMessageV3",
    "pollCreationMessageV5",
    "pollCreationMessageV6",
)
REPLY_SOURCES = {
    "buttonsResponseMessage": "button",
    "listResponseMessage": "list",
    "templateButtonReplyMessage": "quick_reply",
}


@dataclass(frozen=True)
class Content:
    """A message's kind, inbox text and ``data``; an annotation's target; a quote."""

    kind: str
    text: str
    data: dict[str, Any] = field(default_factory=dict)
    target_id: str = ""
    reply_to: str = ""


def unwrapped(message: Any) -> Any:
    """The message inside its envelopes; the one to read and to download a file from."""
    for _ in WRAPPERS:  # envelopes nest a few deep at most; a loop of them ends here
        inner = next((getattr(message, w) for w in WRAPPERS if message.HasField(w)), None)
        if inner is None or not inner.HasField("message"):
            return message
        message = inner.message
    return message


def media_part(message: Any) -> tuple[str, Any] | None:
    """(kind, part) of a message carrying a file: image, video, audio, document or sticker.

    The part holds what the inbox keeps (``mimetype``, a document's ``fileName``) and
    what WhatsApp declares (``fileLength``); the whole message is what neonize downloads.
    """
    for name, kind in MEDIA:
        if message.HasField(name):
            return kind, getattr(message, name)
    return None


def content(message: Any) -> Content | None:
    """What a (possibly wrapped) message shows in the inbox; None when it shows nothing."""
    message = unwrapped(message)
    if message.conversation:
        return Content(InboundKind.TEXT, message.conversation)
    for name, read in _READERS:
        if message.HasField(name):
            return read(getattr(message, name))
    unknown = [f.name for f, _ in message.ListFields() if f.name not in SILENT]
    if unknown:
        data = {"type": unknown[0], "errors": []}
        text = (
            f"The customer sent a message of type “{unknown[0]}”, which b2a cannot show; "
            "look at it on the paired phone."
        )
        return Content(InboundKind.UNSUPPORTED, text, data)
    return None


def plain(message: Any) -> dict[str, Any]:
    """A protobuf message as JSON-safe fields, kept with the event as what WhatsApp sent.

    Binary fields (media keys, hashes, thumbnails) are left out: they are large, and
    a media key opens the file on WhatsApp's servers.
    """
    fields = {}
    for descriptor, value in message.ListFields():
        if (kept := _plain_value(value)) is not None:
            fields[descriptor.name] = kept
    return fields


def _plain_value(value: Any) -> Any:
    if isinstance(value, bytes):
        return None
    if isinstance(value, str | int | float | bool):
        return value
    if hasattr(value, "ListFields"):
        return plain(value)
    return [kept for item in value if (kept := _plain_value(item)) is not None]


def _context(part: Any, kind: str, text: str, data: dict[str, Any] | None = None) -> Content:
    """Content with the quoted message and the ad the customer came from, if any."""
    data = dict(data or {})
    reply_to = ""
    if part.HasField("contextInfo"):
        context = part.contextInfo
        reply_to = context.stanzaID
        if context.HasField("externalAdReply"):
            data["referral"] = _referral(context.externalAdReply)
    return Content(kind, text, data, reply_to=reply_to)


def _referral(ad: Any) -> dict[str, str]:
    return {
        "source_url": ad.sourceURL,
        "source_type": ad.sourceType,
        "source_id": ad.sourceID,
        "headline": ad.title,
        "body": ad.body,
        "media_type": AD_MEDIA.get(int(ad.mediaType), ""),
        "ctwa_clid": ad.ctwaClid,
    }


def _text(part: Any) -> Content | None:
    return _context(part, InboundKind.TEXT, part.text) if part.text else None


def _media(kind: str, part: Any) -> Content:
    if kind == InboundKind.STICKER:
        return _context(part, kind, "", {"animated": bool(part.isAnimated)})
    caption = getattr(part, "caption", "") or getattr(part, "fileName", "")
    return _context(part, kind, caption or f"[{kind}]")


def _reaction(part: Any) -> Content | None:
    """An emoji on a message; an empty one takes the customer's reaction away."""
    if not part.key.ID:
        return None
    return Content(InboundKind.REACTION, part.text, target_id=part.key.ID)


def _protocol(part: Any) -> Content | None:
    """An edit or a deletion of an earlier message; every other protocol message is ignored."""
    if not part.HasField("type") or not part.key.ID:
        return None
    if int(part.type) == REVOKE:
        return Content(InboundKind.REVOKE, "", target_id=part.key.ID)
    if int(part.type) == MESSAGE_EDIT and part.HasField("editedMessage"):
        words = _words(unwrapped(part.editedMessage))
        if words is not None:
            return Content(InboundKind.EDIT, words, target_id=part.key.ID)
    return None


def _words(message: Any) -> str | None:
    """The text or caption of an edited message; None when it has neither."""
    if message.conversation:
        return str(message.conversation)
    if message.HasField("extendedTextMessage"):
        return str(message.extendedTextMessage.text)
    for name in ("imageMessage", "videoMessage", "documentMessage"):
        if message.HasField(name):
            return str(getattr(message, name).caption)
    return None


def _location(part: Any) -> Content:
    """A place; the text names it and never shows the coordinates (they read like a phone)."""
    data = {
        "latitude": part.degreesLatitude,
        "longitude": part.degreesLongitude,
        "name": part.name,
        "address": part.address,
        "url": part.URL,
    }
    place = ", ".join(p for p in (part.name, part.address) if p)
    return _context(part, InboundKind.LOCATION, f"📍 {place or 'Location'}", data)


def _live_location(part: Any) -> Content:
    data = {
        "latitude": part.degreesLatitude,
        "longitude": part.degreesLongitude,
        "name": "",
        "address": "",
        "url": "",
    }
    text = ", ".join(p for p in ("📍 Live location", part.caption) if p)
    return _context(part, InboundKind.LOCATION, text, data)


def _contact(part: Any) -> Content:
    return _contacts_of(part, [part])


def _contacts_array(part: Any) -> Content:
    return _contacts_of(part, list(part.contacts))


def _contacts_of(part: Any, shared: list[Any]) -> Content:
    """Every card of every shared contact; the name WhatsApp shows fills a card without one."""
    cards: list[dict[str, Any]] = []
    for contact in shared:
        read = read_cards(contact.vcard) or [{"name": "", "org": "", "phones": [], "emails": []}]
        cards.extend({**card, "name": card["name"] or contact.displayName} for card in read)
    text = "; ".join(_card_line(card) for card in cards) or f"👤 {part.displayName}".strip()
    return _context(part, InboundKind.CONTACTS, text, {"contacts": cards})


def _card_line(card: dict[str, Any]) -> str:
    phones = card["phones"]
    return ", ".join(p for p in (f"👤 {card['name']}", phones[0]["phone"] if phones else "") if p)


def _poll(part: Any) -> Content:
    data = {
        "question": part.name,
        "options": [option.optionName for option in part.options],
        "selectable": int(part.selectableOptionsCount),
    }
    return _context(part, InboundKind.POLL, part.name, data)


def _reply(part: Any, source: str) -> Content:
    """A tapped button, list row or template quick-reply button."""
    if source == "list":
        data = {
            "id": part.singleSelectReply.selectedRowID,
            "title": part.title,
            "description": part.description,
        }
    elif source == "quick_reply":
        data = {"id": part.selectedID, "title": part.selectedDisplayText, "description": ""}
    else:
        data = {"id": part.selectedButtonID, "title": part.selectedDisplayText, "description": ""}
    return _context(part, InboundKind.REPLY, data["title"], {**data, "source": source})


def _form(part: Any) -> Content:
    """A WhatsApp Flow's answers (``paramsJSON``) as fields; the flow token is not an answer."""
    flow = part.nativeFlowResponseMessage
    try:
        answers = json.loads(flow.paramsJSON or "{}")
    except ValueError:
        answers = {}
    if not isinstance(answers, dict):
        answers = {}
    fields = {str(k): _answer(v) for k, v in answers.items() if k != "flow_token"}
    text = "; ".join(f"{label}: {value}" for label, value in fields.items())
    text = text or part.body.text or flow.name or "[form]"
    return _context(part, InboundKind.FORM, text, {"name": flow.name, "fields": fields})


def _answer(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(value)
    return json.dumps(value, ensure_ascii=False)


def _order(part: Any) -> Content:
    """A cart from the business's catalogue; WhatsApp-Web names its count and total only."""
    total = _major_units(part.totalAmount1000) if part.HasField("totalAmount1000") else ""
    count = int(part.itemCount)
    data = {
        "catalog_id": "",
        "note": part.message,
        "items": [],
        "order_id": part.orderID,
        "item_count": count,
        "total": total,
        "currency": part.totalCurrencyCode if total else "",
    }
    items = f"{count} item" + ("" if count == 1 else "s") if count else ""
    amount = f"{total} {part.totalCurrencyCode}".strip() if total else ""
    summary = ", ".join(p for p in (items, amount) if p)
    title = part.orderTitle or "Order"
    return _context(
        part, InboundKind.ORDER, f"🛒 {title}" + (f": {summary}" if summary else ""), data
    )


def _major_units(amount1000: int) -> str:
    """WhatsApp's thousandths of the currency unit as a plain decimal ("12.5", "7")."""
    value = (Decimal(int(amount1000)) / 1000).normalize()
    return f"{value:f}"


_READERS: tuple[tuple[str, Callable[[Any], Content | None]], ...] = (
    ("extendedTextMessage", _text),
    *((name, partial(_media, kind)) for name, kind in MEDIA),
    ("reactionMessage", _reaction),
    ("protocolMessage", _protocol),
    ("contactMessage", _contact),
    ("contactsArrayMessage", _contacts_array),
    ("locationMessage", _location),
    ("liveLocationMessage", _live_location),
    *((name, _poll) for name in POLLS),
    *((name, partial(_reply, source=source)) for name, source in REPLY_SOURCES.items()),
    ("interactiveResponseMessage", _form),
    ("orderMessage", _order),
    ("pollUpdateMessage", lambda _part: None),
)
"""Each content field and its reader, in the order WhatsApp's own clients check them."""
