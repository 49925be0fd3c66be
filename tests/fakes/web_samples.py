"""One WhatsApp-Web event of every kind, with the inbound message b2a makes of it.

The unit tests check ``to_inbound`` against ``EXPECTED``; the real-neonize probe
rebuilds each event from neonize's real protobuf classes and checks that
``to_inbound`` reads it the same, so these shapes are neonize's own.
"""

from __future__ import annotations

from typing import Any

from tests.fakes.web_client import (
    Proto,
    ad,
    button_reply,
    contact,
    contacts,
    context,
    edit,
    extended_text,
    flow_reply,
    list_reply,
    live_location,
    location,
    media,
    message_event,
    order,
    poll,
    poll_vote,
    protocol,
    reaction,
    template_reply,
    wrapped,
)

CUSTOMER = "923001234567@s.whatsapp.net"
ANA = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Silva;Ana;;;\r\nFN:Ana Silva\r\nORG:Acme Bakery;\r\n"
    "item1.TEL;waid=15550100:+1 555-0100\r\nitem1.X-ABLabel:_$!<Mobile>!$_\r\n"
    "TEL;type=WORK;type=VOICE:+1 555 0199\r\nEMAIL;type=INTERNET:ana@acme.test\r\nEND:VCARD"
)
BO = "BEGIN:VCARD\nVERSION:3.0\nFN:Bo\nTEL;type=CELL;waid=447700900123:+44 7700 900123\nEND:VCARD"
ANA_CARD = {
    "name": "Ana Silva",
    "org": "Acme Bakery",
    "phones": [
        {"phone": "+1 555-0100", "wa_id": "15550100", "type": "Mobile"},
        {"phone": "+1 555 0199", "wa_id": "", "type": "WORK"},
    ],
    "emails": ["ana@acme.test"],
}
BO_CARD = {
    "name": "Bo",
    "org": "",
    "phones": [{"phone": "+44 7700 900123", "wa_id": "447700900123", "type": "CELL"}],
    "emails": [],
}
FLOW = '{"flow_token": "T1", "name": "Ana", "date": "2026-12-24", "extras": ["candles", "card"]}'


def _event(wa_id: str, *parts: tuple[str, Proto]) -> Proto:
    return message_event(id=wa_id, chat=CUSTOMER, parts=parts)


SAMPLES: dict[str, Proto] = {
    "quoted_text": _event("Q1", extended_text("this one please", quoted="OUT1")),
    "ad_text": _event(
        "AD1",
        extended_text(
            "Is this still on?",
            ad=ad(
                headline="Xmas cakes",
                body="20% off",
                url="https://fb.me/ad",
                source_id="120",
                clid="CL1",
            ),
        ),
    ),
    "quoted_image": _event(
        "IMG1",
        media(
            "image", "/v/cake", mimetype="image/jpeg", caption="like this", context=context("OUT2")
        ),
    ),
    "sticker": _event("STK1", media("sticker", "/v/sticker", mimetype="image/webp", animated=True)),
    "reaction": _event("R1", reaction("OUT1", "👍")),
    "unreaction": _event("R2", reaction("OUT1", "")),
    "edit": _event("E1", edit("IN1", conversation="two cakes, not one")),
    "edit_caption": _event(
        "E2", edit("IN2", imageMessage=Proto(caption="the blue one", mimetype="image/jpeg"))
    ),
    "edit_in_envelope": _event(
        "E3",
        wrapped("editedMessage", edit("IN3", extendedTextMessage=Proto(text="at 5 pm"))),
    ),
    "revoke": _event("D1", protocol(0, "IN1")),
    "contact": _event("C1", contact("Ana", ANA, quoted="OUT3")),
    "contacts": _event("C2", contacts("2 contacts", [("Ana", ANA), ("Bo", BO)])),
    "contact_without_vcard": _event("C3", contact("Carla", "")),
    "location": _event(
        "L1",
        location(
            37.4611978,
            -122.2164385,
            name="Acme Bakery",
            address="1 Main St",
            url="https://maps.example/acme",
        ),
    ),
    "pin": _event("L2", location(12.25089, 43.90539)),
    "live_location": _event("L3", live_location(12.25, 43.9, "on my way")),
    "poll": _event("P1", poll("Which day?", ["Fri", "Sat"], selectable=1)),
    "poll_v3": _event("P2", poll("Toppings?", ["nuts", "fruit"], selectable=0, version="V3")),
    "order": _event(
        "O1",
        order("ORD1", title="Xmas box", items=3, total1000=42500, currency="EUR", note="gift"),
    ),
    "order_without_total": _event(
        "O2", order("ORD2", title="", items=1, total1000=None, currency="")
    ),
    "button": _event("B1", button_reply("yes", "Yes, deliver", quoted="OUT4")),
    "list": _event("B2", list_reply("cake-2", "Chocolate cake", "8 slices")),
    "quick_reply": _event("B3", template_reply("stop", "Stop promotions")),
    "form": _event("F1", flow_reply("flow", FLOW, "Sent")),
    "form_unreadable": _event("F2", flow_reply("flow", "not json", "Sent")),
    "view_once": _event(
        "V1", wrapped("viewOnceMessageV2", media("image", "/v/once", mimetype="image/jpeg"))
    ),
    "unknown": _event("U1", ("eventMessage", Proto(name="Tasting", description="Sat 5 pm"))),
}

EXPECTED: dict[str, dict[str, Any]] = {
    "quoted_text": {"kind": "text", "text": "this one please", "reply_to": "OUT1"},
    "ad_text": {
        "kind": "text",
        "text": "Is this still on?",
        "data": {
            "referral": {
                "source_url": "https://fb.me/ad",
                "source_type": "ad",
                "source_id": "120",
                "headline": "Xmas cakes",
                "body": "20% off",
                "media_type": "image",
                "ctwa_clid": "CL1",
            }
        },
    },
    "quoted_image": {
        "kind": "image",
        "text": "like this",
        "media_mime": "image/jpeg",
        "reply_to": "OUT2",
    },
    "sticker": {
        "kind": "sticker",
        "text": "",
        "data": {"animated": True},
        "media_mime": "image/webp",
    },
    "reaction": {"kind": "reaction", "text": "👍", "target_id": "OUT1"},
    "unreaction": {"kind": "reaction", "text": "", "target_id": "OUT1"},
    "edit": {"kind": "edit", "text": "two cakes, not one", "target_id": "IN1"},
    "edit_caption": {"kind": "edit", "text": "the blue one", "target_id": "IN2"},
    "edit_in_envelope": {"kind": "edit", "text": "at 5 pm", "target_id": "IN3"},
    "revoke": {"kind": "revoke", "text": "", "target_id": "IN1"},
    "contact": {
        "kind": "contacts",
        "text": "👤 Ana Silva, +1 555-0100",
        "data": {"contacts": [ANA_CARD]},
        "reply_to": "OUT3",
    },
    "contacts": {
        "kind": "contacts",
        "text": "👤 Ana Silva, +1 555-0100; 👤 Bo, +44 7700 900123",
        "data": {"contacts": [ANA_CARD, BO_CARD]},
    },
    "contact_without_vcard": {
        "kind": "contacts",
        "text": "👤 Carla",
        "data": {"contacts": [{"name": "Carla", "org": "", "phones": [], "emails": []}]},
    },
    "location": {
        "kind": "location",
        "text": "📍 Acme Bakery, 1 Main St",
        "data": {
            "latitude": 37.4611978,
            "longitude": -122.2164385,
            "name": "Acme Bakery",
            "address": "1 Main St",
            "url": "https://maps.example/acme",
        },
    },
    "pin": {
        "kind": "location",
        "text": "📍 Location",
        "data": {"latitude": 12.25089, "longitude": 43.90539, "name": "", "address": "", "url": ""},
    },
    "live_location": {
        "kind": "location",
        "text": "📍 Live location, on my way",
        "data": {"latitude": 12.25, "longitude": 43.9, "name": "", "address": "", "url": ""},
    },
    "poll": {
        "kind": "poll",
        "text": "Which day?",
        "data": {"question": "Which day?", "options": ["Fri", "Sat"], "selectable": 1},
    },
    "poll_v3": {
        "kind": "poll",
        "text": "Toppings?",
        "data": {"question": "Toppings?", "options": ["nuts", "fruit"], "selectable": 0},
    },
    "order": {
        "kind": "order",
        "text": "🛒 Xmas box: 3 items, 42.5 EUR",
        "data": {
            "catalog_id": "",
            "note": "gift",
            "items": [],
            "order_id": "ORD1",
            "item_count": 3,
            "total": "42.5",
            "currency": "EUR",
        },
    },
    "order_without_total": {
        "kind": "order",
        "text": "🛒 Order: 1 item",
        "data": {
            "catalog_id": "",
            "note": "",
            "items": [],
            "order_id": "ORD2",
            "item_count": 1,
            "total": "",
            "currency": "",
        },
    },
    "button": {
        "kind": "reply",
        "text": "Yes, deliver",
        "data": {"id": "yes", "title": "Yes, deliver", "description": "", "source": "button"},
        "reply_to": "OUT4",
    },
    "list": {
        "kind": "reply",
        "text": "Chocolate cake",
        "data": {
            "id": "cake-2",
            "title": "Chocolate cake",
            "description": "8 slices",
            "source": "list",
        },
    },
    "quick_reply": {
        "kind": "reply",
        "text": "Stop promotions",
        "data": {
            "id": "stop",
            "title": "Stop promotions",
            "description": "",
            "source": "quick_reply",
        },
    },
    "form": {
        "kind": "form",
        "text": "name: Ana; date: 2026-12-24; extras: candles, card",
        "data": {
            "name": "flow",
            "fields": {"name": "Ana", "date": "2026-12-24", "extras": "candles, card"},
        },
    },
    "form_unreadable": {"kind": "form", "text": "Sent", "data": {"name": "flow", "fields": {}}},
    "view_once": {"kind": "image", "text": "[image]", "media_mime": "image/jpeg"},
    "unknown": {
        "kind": "unsupported",
        "text": "The customer sent a message of type “eventMessage”, which b2a cannot show; "
        "look at it on the paired phone.",
        "data": {"type": "eventMessage", "errors": []},
    },
}

IGNORED: dict[str, Proto] = {
    "history_sync": _event("H1", protocol(5, "IN9")),
    "ephemeral_setting": _event("H2", protocol(3, "")),
    "app_state_key_share": _event("H3", protocol(6, "")),
    "protocol_without_type": _event("H4", ("protocolMessage", Proto(key=Proto(ID="IN1")))),
    "poll_vote": _event("H5", poll_vote("P1")),
    "sender_key": _event(
        "H6",
        (
            "senderKeyDistributionMessage",
            Proto(groupID="120363@g.us", axolotlSenderKeyDistributionMessage=b"k"),
        ),
    ),
    "context_only": _event("H7", ("messageContextInfo", Proto(messageSecret=b"s"))),
}
"""Events with nothing for a person to read: ``to_inbound`` gives None for each."""


def shape(message: Any) -> dict[str, Any]:
    """The fields of an inbound message that ``EXPECTED`` names, with their defaults."""
    return {
        "kind": message.kind,
        "text": message.text,
        "data": message.data,
        "target_id": message.target_id,
        "reply_to": message.reply_to,
        "media_mime": message.media_mime,
    }


def expected(name: str) -> dict[str, Any]:
    """``EXPECTED[name]`` with the fields it leaves out at their defaults."""
    defaults = {"data": {}, "target_id": "", "reply_to": "", "media_mime": ""}
    return {**defaults, **EXPECTED[name]}
