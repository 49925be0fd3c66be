"""What one Cloud API message says, in the common inbound shape (``b2a.whatsapp.inbound``).

There is one small parser per message ``type`` Meta sends (and per ``interactive.type``),
each reading the fields Meta documents for that type. Any field may be missing or of an
odd type: a parser then reads it as empty rather than failing, because one strange
message must never cost the rest of a delivery. A type with no parser, or whose object
is missing (Meta sends ``errors`` instead), becomes ``unsupported``, named in plain words
so the team knows to ask the customer what they sent.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from b2a.lib.jsonbody import read_json
from b2a.whatsapp.inbound import InboundKind


@dataclass(frozen=True)
class InboundMedia:
    """Media announced by Meta; its URL must be fetched (and copied) within minutes."""

    media_id: str
    mime_type: str
    sha256: str = ""
    filename: str = ""


@dataclass(frozen=True)
class Content:
    """A message's kind, preview text, kind-specific ``data``, media and target."""

    kind: InboundKind
    text: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    media: InboundMedia | None = None
    target_id: str = ""


REFERRAL_KEYS = (
    "source_url",
    "source_type",
    "source_id",
    "headline",
    "body",
    "media_type",
    "ctwa_clid",
)

_PLAIN_TYPES = {
    "poll_creation": "a poll",
    "poll_update": "a vote in a poll",
    "pin": "a pinned message",
    "event_creation": "an event invitation",
    "ephemeral": "a disappearing message",
    "interactive": "an interactive reply",
    "unsupported": "",
    "unknown": "",
}
"""Plain words for the types WhatsApp names but does not pass on ("" for no name at all)."""


def obj(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def items(value: Any) -> list[Any]:
    """``value`` if it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []


def string(value: Any) -> str:
    """A string or number as text; anything else (null, objects, booleans) as ""."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


NUMBER_MAX = 10**15
"""Larger quantities, prices, coordinates or timestamps are not ones (and would overflow)."""


def _number(value: Any) -> int | float | None:
    """A finite JSON number (or a numeric string, as some payloads quote them), else None.

    Numbers beyond ``NUMBER_MAX`` either way are None too: no cart, pin or
    timestamp needs them, and a product of two would overflow a float.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    if isinstance(value, int):
        return value if abs(value) <= NUMBER_MAX else None
    try:
        parsed = float(value)
    except ValueError:
        return None
    if not math.isfinite(parsed) or abs(parsed) > NUMBER_MAX:
        return None
    if isinstance(value, float):
        return value
    return int(parsed) if parsed.is_integer() else parsed


def moment(value: Any) -> datetime | None:
    """A Unix timestamp (number or numeric string) as an aware datetime, else None."""
    seconds = _number(value)
    if seconds is None:
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _amount(value: float) -> str:
    rounded = round(value, 2)
    return str(int(rounded)) if float(rounded).is_integer() else f"{rounded:.2f}"


def _plain(value: Any) -> str:
    """A Flow answer as words: lists joined, yes/no for booleans, objects as JSON."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return string(value)


def _text(body: dict[str, Any], message: dict[str, Any]) -> Content:
    return Content(InboundKind.TEXT, string(body.get("body")))


def _media_of(body: dict[str, Any]) -> InboundMedia:
    return InboundMedia(
        media_id=string(body.get("id")),
        mime_type=string(body.get("mime_type")),
        sha256=string(body.get("sha256")),
        filename=string(body.get("filename")),
    )


def _media(kind: InboundKind) -> Callable[[dict[str, Any], dict[str, Any]], Content]:
    """Image, video, audio or document: the file, its name and the caption as text.

    Audio says whether it is a voice note (``voice``), the one kind WhatsApp
    reports as ``played``.
    """

    def parse(body: dict[str, Any], message: dict[str, Any]) -> Content:
        data = {"voice": body.get("voice") is True} if kind is InboundKind.AUDIO else {}
        return Content(kind, string(body.get("caption")), data, _media_of(body))

    return parse


def _sticker(body: dict[str, Any], message: dict[str, Any]) -> Content:
    data = {"animated": body.get("animated") is True}
    return Content(InboundKind.STICKER, "", data, _media_of(body))


def _location(body: dict[str, Any], message: dict[str, Any]) -> Content:
    """A pin; its text names the place, never the coordinates (they read like a phone number)."""
    name, address = string(body.get("name")), string(body.get("address"))
    data = {
        "latitude": _number(body.get("latitude")),
        "longitude": _number(body.get("longitude")),
        "name": name,
        "address": address,
        "url": string(body.get("url")),
    }
    label = ", ".join(part for part in (name, address) if part) or "Location"
    return Content(InboundKind.LOCATION, f"📍 {label}", data)


def _card(card: dict[str, Any]) -> dict[str, Any]:
    name = obj(card.get("name"))
    parts = ("first_name", "middle_name", "last_name")
    org = obj(card.get("org"))
    return {
        "name": string(name.get("formatted_name"))
        or " ".join(p for p in (string(name.get(k)) for k in parts) if p),
        "org": ", ".join(
            p for p in (string(org.get(k)) for k in ("company", "department", "title")) if p
        ),
        "phones": [
            {
                "phone": string(phone.get("phone")),
                "wa_id": string(phone.get("wa_id")),
                "type": string(phone.get("type")),
            }
            for phone in map(obj, items(card.get("phones")))
        ],
        "emails": [
            email
            for email in (string(e.get("email")) for e in map(obj, items(card.get("emails"))))
            if email
        ],
    }


def _card_line(card: dict[str, Any]) -> str:
    """One card as a line: ``👤 Ana Silva (Acme), +1 555 0100, ana@example.com``."""
    name = card["name"] + (f" ({card['org']})" if card["org"] else "")
    numbers = [p["phone"] or p["wa_id"] for p in card["phones"]]
    parts = [part for part in (name, *numbers, *card["emails"]) if part]
    return "👤 " + (", ".join(parts) or "Contact")


def _contacts(body: list[Any], message: dict[str, Any]) -> Content:
    cards = [_card(card) for card in body if isinstance(card, dict)]
    text = "\n".join(_card_line(card) for card in cards) or "👤 Contact"
    return Content(InboundKind.CONTACTS, text, {"contacts": cards})


def _reply(source: str, id_key: str, title_key: str) -> Callable[..., Content]:
    """A tapped button or list row; its title is what the customer "said"."""

    def parse(body: dict[str, Any], message: dict[str, Any]) -> Content:
        title = string(body.get(title_key))
        data = {
            "id": string(body.get(id_key)),
            "title": title,
            "description": string(body.get("description")),
            "source": source,
        }
        return Content(InboundKind.REPLY, title, data)

    return parse


ANSWERS_DEPTH = 8
"""A Flow's answers are a flat form; deeper JSON is kept as the text it came as."""


def _flow(body: dict[str, Any], message: dict[str, Any]) -> Content:
    """A completed WhatsApp Flow: its answers, less the token the business sent with it."""
    response = string(body.get("response_json"))
    try:
        # NaN, Infinity and 1e400 are not JSON the event row could store: read as null.
        answers: Any = read_json(response.encode(), max_depth=ANSWERS_DEPTH) if response else {}
    except ValueError:
        answers = {"response": response}
    if not isinstance(answers, dict):
        answers = {"response": answers}
    fields = {key: value for key, value in answers.items() if key != "flow_token"}
    text = "; ".join(f"{key}: {_plain(value)}" for key, value in fields.items())
    data = {"name": string(body.get("name")), "fields": fields}
    return Content(InboundKind.FORM, text or string(body.get("body")) or "Form sent", data)


def _call_permission(body: dict[str, Any], message: dict[str, Any]) -> Content:
    answer = string(body.get("response"))
    expires = moment(body.get("expiration_timestamp"))
    data = {"call_permission": answer, "expires_at": expires.isoformat() if expires else ""}
    words = {"accept": "accepted", "reject": "rejected"}.get(answer, answer or "answered")
    until = f" until {expires:%Y-%m-%d %H:%M} UTC" if expires else ""
    return Content(InboundKind.FORM, f"Call permission: {words}{until}", data)


def _order_item(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "product_id": string(item.get("product_retailer_id")),
        "quantity": _number(item.get("quantity")),
        "price": _number(item.get("item_price")),
        "currency": string(item.get("currency")),
    }


def _order_total(lines: list[dict[str, Any]]) -> str:
    """The cart's total, `` (180 ILS)``, when every line is priced in one currency, else ""."""
    currencies = {line["currency"] for line in lines}
    if not lines or len(currencies) != 1 or "" in currencies:
        return ""
    if any(line["price"] is None or line["quantity"] is None for line in lines):
        return ""
    total = sum(line["price"] * line["quantity"] for line in lines)
    return f" ({_amount(total)} {currencies.pop()})"


def _order(body: dict[str, Any], message: dict[str, Any]) -> Content:
    """A cart from the business's catalogue; prices are in major units, as Meta sends them."""
    lines = [
        _order_item(item) for item in items(body.get("product_items")) if isinstance(item, dict)
    ]
    note = string(body.get("text"))
    listed = ", ".join(
        f"{_amount(line['quantity']) if line['quantity'] is not None else '?'} × "
        f"{line['product_id'] or 'item'}"
        for line in lines
    )
    text = f"🛒 {listed or 'Order'}{_order_total(lines)}" + (f": {note}" if note else "")
    data = {"catalog_id": string(body.get("catalog_id")), "note": note, "items": lines}
    return Content(InboundKind.ORDER, text, data)


def _reaction(body: dict[str, Any], message: dict[str, Any]) -> Content:
    """An emoji on an earlier message; none (or "") takes the customer's reaction away."""
    return Content(
        InboundKind.REACTION, string(body.get("emoji")), target_id=string(body.get("message_id"))
    )


def _edit(body: dict[str, Any], message: dict[str, Any]) -> Content:
    """New words for an earlier message: a text's body or a media message's caption."""
    edited = obj(body.get("message"))
    inner = obj(edited.get(string(edited.get("type")) or "text"))
    text = string(inner.get("body")) or string(inner.get("caption"))
    return Content(InboundKind.EDIT, text, target_id=string(body.get("original_message_id")))


def _revoke(body: dict[str, Any], message: dict[str, Any]) -> Content:
    return Content(InboundKind.REVOKE, target_id=string(body.get("original_message_id")))


def _system(body: dict[str, Any], message: dict[str, Any]) -> Content:
    """WhatsApp's notice that the customer's number, user id or identity key changed."""
    kind = string(body.get("type"))
    data = {
        "type": kind,
        "body": string(body.get("body")),
        "new_wa_id": string(body.get("wa_id")) or string(body.get("new_wa_id")),
        "new_user_id": string(body.get("user_id")),
        "identity": string(body.get("identity"))
        or string(obj(message.get("identity")).get("hash")),
    }
    return Content(InboundKind.SYSTEM, data["body"] or f"WhatsApp notice: {kind or 'system'}", data)


Parser = Callable[[Any, dict[str, Any]], Content]

_PARSERS: dict[str, Parser] = {
    "text": _text,
    "image": _media(InboundKind.IMAGE),
    "video": _media(InboundKind.VIDEO),
    "audio": _media(InboundKind.AUDIO),
    "document": _media(InboundKind.DOCUMENT),
    "sticker": _sticker,
    "location": _location,
    "contacts": _contacts,
    "button": _reply("quick_reply", "payload", "text"),
    "interactive.button_reply": _reply("button", "id", "title"),
    "interactive.list_reply": _reply("list", "id", "title"),
    "interactive.nfm_reply": _flow,
    "interactive.call_permission_reply": _call_permission,
    "order": _order,
    "reaction": _reaction,
    "edit": _edit,
    "revoke": _revoke,
    "system": _system,
}


def _typed_body(message: dict[str, Any]) -> tuple[str, Any]:
    """The parser key and the object it reads: ``interactive`` nests one more level."""
    kind = string(message.get("type"))
    if kind != "interactive":
        return kind, message.get(kind)
    interactive = obj(message.get("interactive"))
    sub = string(interactive.get("type"))
    return (f"interactive.{sub}", interactive.get(sub)) if sub else (kind, None)


def _unsupported(message: dict[str, Any], kind: str, errors: list[Any]) -> Content:
    """A placeholder naming what the customer sent, with Meta's errors saying why."""
    named = string(obj(message.get("unsupported")).get("type")) or kind
    own = [error for error in items(message.get("errors")) if isinstance(error, dict)]
    thing = _PLAIN_TYPES.get(named, f"a message of type “{named}”" if named else "")
    text = (
        f"The customer sent {thing}, which WhatsApp does not pass on to business apps."
        if thing
        else "The customer sent a message WhatsApp could not pass on; ask them what it was."
    )
    return Content(InboundKind.UNSUPPORTED, text, {"type": named, "errors": own or errors})


def _context(message: dict[str, Any]) -> dict[str, Any]:
    """What any message may carry besides its content: the ad clicked, forwarding, a product."""
    extra: dict[str, Any] = {}
    referral = message.get("referral")
    if isinstance(referral, dict):
        extra["referral"] = {key: string(referral.get(key)) for key in REFERRAL_KEYS}
    context = obj(message.get("context"))
    if context.get("forwarded") is True or context.get("frequently_forwarded") is True:
        extra["forwarded"] = True
    if context.get("frequently_forwarded") is True:
        extra["frequently_forwarded"] = True
    product = context.get("referred_product")
    if isinstance(product, dict):
        extra["referred_product"] = {
            "catalog_id": string(product.get("catalog_id")),
            "product_id": string(product.get("product_retailer_id")),
        }
    return extra


def read_content(message: Mapping[str, Any], errors: list[Any] | None = None) -> Content:
    """The content of one message object; ``errors`` are the delivery's, for a bodiless one."""
    message = dict(message)
    key, body = _typed_body(message)
    parse = _PARSERS.get(key)
    expected = list if key == "contacts" else dict
    if parse is None or not isinstance(body, expected):
        content = _unsupported(message, string(message.get("type")), errors or [])
    else:
        content = parse(body, message)
    extra = _context(message)
    if not extra:
        return content
    return Content(
        content.kind, content.text, {**content.data, **extra}, content.media, content.target_id
    )
