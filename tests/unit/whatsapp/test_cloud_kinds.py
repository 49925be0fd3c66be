"""Every message kind Meta sends parses to the common InboundMessage shape.

The fixtures in tests/fixtures/cloud/ are full webhook bodies written from Meta's
documented shapes, one file per kind; each test spells out the InboundMessage
each message in its file must become.
"""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b2a.whatsapp.cloud_webhook import CloudMessage, CloudStatus, parse_delivery
from b2a.whatsapp.inbound import Identity, InboundKind, InboundMessage, from_cloud

FIXTURES = Path(__file__).parents[2] / "fixtures" / "cloud"
CUSTOMER = "923001234567"
USER_ID = "PK.1849201937465"
ME = [Identity("wa_id", CUSTOMER), Identity("phone", CUSTOMER), Identity("bsuid", USER_ID)]


def fixture(kind):
    return json.loads((FIXTURES / f"{kind}.json").read_text())


def parsed(kind):
    """The fixture's messages in the common shape, by WhatsApp message id."""
    events = parse_delivery(fixture(kind))
    assert all(isinstance(event, CloudMessage) for event in events)
    return {event.wamid: from_cloud(event) for event in events}


def raw_messages(kind):
    value = fixture(kind)["entry"][0]["changes"][0]["value"]
    return {message["id"]: message for message in value["messages"]}


def expect(kind, wamid, message_kind, text, **fields):
    """The InboundMessage a fixture's message must become, the customer and raw filled in."""
    raw = raw_messages(kind)[wamid]
    return InboundMessage(
        **{
            "wa_message_id": wamid,
            "identities": ME,
            "phone": CUSTOMER,
            "profile_name": "Ayesha Khan",
            "kind": message_kind,
            "text": text,
            "sent_at": datetime.fromtimestamp(int(raw["timestamp"]), UTC),
            "raw": raw,
            **fields,
        }
    )


def check(kind, *expected):
    got = parsed(kind)
    assert list(got) == [message.wa_message_id for message in expected]
    for message in expected:
        assert got[message.wa_message_id] == message
        assert InboundMessage.from_json(json.loads(json.dumps(message.to_json()))) == message


def test_texts_keep_quotes_forwarding_ads_and_the_product_asked_about():
    check(
        "text",
        expect("text", "wamid.text.plain", "text", "Is the chocolate cake available on Friday?"),
        expect(
            "text", "wamid.text.quote", "text", "This one please", reply_to="wamid.business.menu"
        ),
        expect(
            "text",
            "wamid.text.forwarded",
            "text",
            "Sale this week only!",
            data={"forwarded": True, "frequently_forwarded": True},
        ),
        expect(
            "text",
            "wamid.text.ad",
            "text",
            "Hi, I saw your ad",
            data={
                "referral": {
                    "source_url": "https://fb.me/3cr4Wqqkx",
                    "source_type": "ad",
                    "source_id": "120211234567890",
                    "headline": "Eid cakes",
                    "body": "Order by Thursday",
                    "media_type": "image",
                    "ctwa_clid": raw_messages("text")["wamid.text.ad"]["referral"]["ctwa_clid"],
                }
            },
        ),
        expect(
            "text",
            "wamid.text.product",
            "text",
            "Does this come eggless?",
            reply_to="wamid.business.catalog",
            data={
                "referred_product": {"catalog_id": "354160437058781", "product_id": "CAKE-CHOC-1KG"}
            },
        ),
    )


def test_media_keeps_the_file_its_name_and_the_caption_as_text():
    check(
        "image",
        expect(
            "image",
            "wamid.image.1",
            "image",
            "Like this but in blue",
            media_id="1479537139650973",
            media_mime="image/jpeg",
        ),
    )
    check(
        "video",
        expect(
            "video",
            "wamid.video.1",
            "video",
            "The delivery guy left it here",
            media_id="1054326469437519",
            media_mime="video/mp4",
            data={"forwarded": True},
        ),
    )
    check(
        "document",
        expect(
            "document",
            "wamid.document.1",
            "document",
            "Our office order for December",
            media_id="3214567890123456",
            media_mime="application/pdf",
            filename="December order.pdf",
        ),
    )
    voice, song = ("audio/ogg; codecs=opus", "audio/mpeg")
    check(
        "audio",
        expect(
            "audio",
            "wamid.audio.voice",
            "audio",
            "",
            media_id="913478209875334",
            media_mime=voice,
            data={"voice": True},
        ),
        expect(
            "audio",
            "wamid.audio.file",
            "audio",
            "",
            media_id="771982345619002",
            media_mime=song,
            data={"voice": False},
        ),
    )


def test_stickers_are_stickers_with_their_file_and_whether_they_move():
    check(
        "sticker",
        expect(
            "sticker",
            "wamid.sticker.static",
            "sticker",
            "",
            media_id="8675309867530",
            media_mime="image/webp",
            data={"animated": False},
        ),
        expect(
            "sticker",
            "wamid.sticker.animated",
            "sticker",
            "",
            media_id="8675309867531",
            media_mime="image/webp",
            data={"animated": True},
        ),
    )


def test_a_location_reads_as_its_place_never_its_coordinates():
    check(
        "location",
        expect(
            "location",
            "wamid.location.named",
            "location",
            "📍 Dolmen Mall Clifton, Block 4 Clifton, Karachi",
            data={
                "latitude": 24.8607343,
                "longitude": 67.0011364,
                "name": "Dolmen Mall Clifton",
                "address": "Block 4 Clifton, Karachi",
                "url": "https://maps.google.com/?cid=1234567890123456789",
            },
        ),
        expect(
            "location",
            "wamid.location.here",
            "location",
            "📍 Location",
            data={"latitude": 24.8138, "longitude": 67.0299, "name": "", "address": "", "url": ""},
        ),
    )


def test_every_contact_card_keeps_its_names_numbers_and_emails():
    bilal = {
        "name": "Bilal Ahmed",
        "org": "Ahmed Traders, Sales, Manager",
        "phones": [
            {"phone": "+92 300 7654321", "wa_id": "923007654321", "type": "CELL"},
            {"phone": "+92 21 3456 7890", "wa_id": "", "type": "WORK"},
        ],
        "emails": ["bilal@ahmedtraders.example"],
    }
    sana = {
        "name": "Sana",
        "org": "",
        "phones": [{"phone": "+92 333 1112223", "wa_id": "923331112223", "type": "HOME"}],
        "emails": [],
    }
    check(
        "contacts",
        expect(
            "contacts",
            "wamid.contacts.1",
            "contacts",
            "👤 Bilal Ahmed (Ahmed Traders, Sales, Manager), +92 300 7654321, +92 21 3456 7890,"
            " bilal@ahmedtraders.example\n👤 Sana, +92 333 1112223",
            data={"contacts": [bilal, sana]},
        ),
    )


def test_quick_reply_button_and_list_taps_are_replies_with_their_title():
    check(
        "reply",
        expect(
            "reply",
            "wamid.reply.quick",
            "reply",
            "Yes, confirm",
            reply_to="wamid.business.template",
            data={
                "id": "CONFIRM_ORDER_42",
                "title": "Yes, confirm",
                "description": "",
                "source": "quick_reply",
            },
        ),
        expect(
            "reply",
            "wamid.reply.button",
            "reply",
            "Pick up",
            reply_to="wamid.business.buttons",
            data={"id": "pickup", "title": "Pick up", "description": "", "source": "button"},
        ),
        expect(
            "reply",
            "wamid.reply.list",
            "reply",
            "Friday 4 pm",
            reply_to="wamid.business.list",
            data={
                "id": "slot-fri-4pm",
                "title": "Friday 4 pm",
                "description": "Pick-up at the Clifton shop",
                "source": "list",
            },
        ),
    )


def test_flow_answers_and_call_permissions_are_forms():
    check(
        "form",
        expect(
            "form",
            "wamid.form.flow",
            "form",
            "full_name: Ayesha Khan; cake_size: 2 kg; message_on_cake: Happy birthday Sara;"
            " extras: candles, card; delivery: yes",
            reply_to="wamid.business.flow",
            data={
                "name": "cake_order",
                "fields": {
                    "full_name": "Ayesha Khan",
                    "cake_size": "2 kg",
                    "message_on_cake": "Happy birthday Sara",
                    "extras": ["candles", "card"],
                    "delivery": True,
                },
            },
        ),
        expect(
            "form",
            "wamid.form.calls",
            "form",
            "Call permission: accepted until 2025-12-14 07:00 UTC",
            reply_to="wamid.business.call-request",
            data={"call_permission": "accept", "expires_at": "2025-12-14T07:00:00+00:00"},
        ),
        expect(
            "form",
            "wamid.form.nocalls",
            "form",
            "Call permission: rejected",
            data={"call_permission": "reject", "expires_at": ""},
        ),
    )


def test_a_catalogue_cart_is_an_order_with_its_items_and_prices():
    check(
        "order",
        expect(
            "order",
            "wamid.order.1",
            "order",
            "🛒 2 × CAKE-CHOC-1KG, 1 × CUPCAKE-BOX-6 (6099.50 PKR): Please deliver before 6 pm",
            data={
                "catalog_id": "354160437058781",
                "note": "Please deliver before 6 pm",
                "items": [
                    {
                        "product_id": "CAKE-CHOC-1KG",
                        "quantity": 2,
                        "price": 2450,
                        "currency": "PKR",
                    },
                    {
                        "product_id": "CUPCAKE-BOX-6",
                        "quantity": 1,
                        "price": 1199.5,
                        "currency": "PKR",
                    },
                ],
            },
        ),
    )


def test_reactions_edits_and_deletions_name_the_message_they_change():
    target = "wamid.business.quote"
    check(
        "reaction",
        expect("reaction", "wamid.reaction.add", "reaction", "👍", target_id=target),
        expect("reaction", "wamid.reaction.empty", "reaction", "", target_id=target),
        expect("reaction", "wamid.reaction.none", "reaction", "", target_id=target),
    )
    check(
        "edit",
        expect(
            "edit",
            "wamid.edit.text",
            "edit",
            "Is the chocolate cake available on Saturday?",
            target_id="wamid.text.plain",
        ),
        expect(
            "edit",
            "wamid.edit.caption",
            "edit",
            "Like this but in green",
            target_id="wamid.image.1",
        ),
    )
    check(
        "revoke", expect("revoke", "wamid.revoke.1", "revoke", "", target_id="wamid.text.forwarded")
    )


def test_system_notices_carry_the_new_number_user_id_or_identity():
    """System messages come without contacts; a changed user id comes without ``from``."""
    phone_only = [Identity("wa_id", CUSTOMER), Identity("phone", CUSTOMER)]
    number = "User Ayesha Khan changed from 923001234567 to 923009998877"
    user = "User changed from PK.1849201937465 to PK.5550001112223"

    def notice(kind, body, new_wa_id="", new_user_id="", identity=""):
        return {
            "type": kind,
            "body": body,
            "new_wa_id": new_wa_id,
            "new_user_id": new_user_id,
            "identity": identity,
        }

    check(
        "system",
        expect(
            "system",
            "wamid.system.number",
            "system",
            number,
            identities=phone_only,
            profile_name="",
            data=notice("user_changed_number", number, new_wa_id="923009998877"),
        ),
        expect(
            "system",
            "wamid.system.userid",
            "system",
            user,
            identities=[Identity("bsuid", USER_ID)],
            phone="",
            profile_name="",
            data=notice("user_changed_user_id", user, new_user_id="PK.5550001112223"),
        ),
        expect(
            "system",
            "wamid.system.identity",
            "system",
            "User identity changed",
            identities=phone_only,
            profile_name="",
            data=notice(
                "customer_identity_changed", "User identity changed", identity="Sjvjlx8G6Z0="
            ),
        ),
    )


def test_what_whatsapp_does_not_pass_on_is_a_placeholder_naming_the_type():
    raw = raw_messages("unsupported")
    value_errors = fixture("unsupported")["entry"][0]["changes"][0]["value"]["errors"]
    unavailable = "The customer sent a message WhatsApp could not pass on; ask them what it was."
    check(
        "unsupported",
        expect(
            "unsupported",
            "wamid.unsupported.poll",
            "unsupported",
            "The customer sent a poll, which WhatsApp does not pass on to business apps.",
            data={"type": "poll_creation", "errors": raw["wamid.unsupported.poll"]["errors"]},
        ),
        expect(
            "unsupported",
            "wamid.unsupported.plain",
            "unsupported",
            unavailable,
            data={"type": "unsupported", "errors": raw["wamid.unsupported.plain"]["errors"]},
        ),
        expect(
            "unsupported",
            "wamid.unsupported.interactive",
            "unsupported",
            "The customer sent an interactive reply, which WhatsApp does not pass on to"
            " business apps.",
            reply_to="wamid.business.buttons",
            data={"type": "interactive", "errors": value_errors},
        ),
        expect(
            "unsupported",
            "wamid.unsupported.future",
            "unsupported",
            "The customer sent a message of type “hologram”, which WhatsApp does not pass on"
            " to business apps.",
            data={"type": "hologram", "errors": value_errors},
        ),
    )


def test_every_status_passes_through_as_meta_names_it_with_its_errors():
    statuses = parse_delivery(fixture("status"))
    assert all(isinstance(status, CloudStatus) for status in statuses)
    assert [status.status for status in statuses] == [
        "sent",
        "delivered",
        "read",
        "played",
        "deleted",
        "warning",
        "failed",
    ]
    assert statuses[0].callback_data == "b2a:0193b5a0-2f7c-7d41-9a4e-6b1d2c3e4f50"
    assert statuses[-1].errors == [
        {
            "code": 131026,
            "title": "Message undeliverable",
            "message": "Message undeliverable",
            "error_data": {"details": "Message Undeliverable."},
        }
    ]
    assert {status.dedupe_key for status in statuses} == {
        f"wamid.out.1:{status.status}" for status in statuses
    }


def test_every_fixture_kind_is_an_inbound_kind_and_every_kind_but_poll_has_a_fixture():
    """Polls come only from WhatsApp-Web; the Cloud API sends them as unsupported."""
    kinds = set()
    for path in FIXTURES.glob("*.json"):
        for event in parse_delivery(json.loads(path.read_text())):
            if isinstance(event, CloudMessage):
                kinds.add(InboundKind(event.kind))
    assert kinds == set(InboundKind) - {InboundKind.POLL}


@pytest.mark.parametrize(
    ("broken", "why"),
    [
        ({"from": CUSTOMER, "timestamp": "1765090800", "type": "text"}, "no id"),
        ({"id": "wamid.nobody", "timestamp": "1765090800", "type": "text"}, "no sender"),
        ("not a message", "not an object"),
    ],
)
def test_a_message_without_id_or_sender_is_skipped_and_the_rest_still_parse(broken, why):
    payload = fixture("text")
    value = payload["entry"][0]["changes"][0]["value"]
    value["messages"].insert(1, broken)
    value["statuses"] = [{"status": "read"}, {"id": "wamid.out.2", "status": "read"}]
    events = parse_delivery(payload)
    assert [e.wamid for e in events if isinstance(e, CloudMessage)] == list(parsed("text")), why
    assert [e.wamid for e in events if isinstance(e, CloudStatus)] == ["wamid.out.2"], why


def test_a_customer_named_only_by_user_id_has_just_that_identity():
    payload = fixture("text")
    value = payload["entry"][0]["changes"][0]["value"]
    value["contacts"] = [{"profile": {"name": "Ayesha Khan"}, "user_id": USER_ID}]
    message = value["messages"][0]
    del message["from"]
    message["from_user_id"] = USER_ID
    first = from_cloud(parse_delivery(payload)[0])
    assert first.identities == [Identity("bsuid", USER_ID)]
    assert (first.phone, first.profile_name) == ("", "Ayesha Khan")


# Random well-formed messages: every type Meta documents (and unknown ones), each field
# present or missing, each of the JSON type Meta sends it as.
words = st.text(max_size=12)
number = st.integers() | st.floats(allow_nan=False, allow_infinity=False)
json_value = st.recursive(
    st.none() | st.booleans() | number | words,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(words, inner, max_size=3),
    max_leaves=8,
)


def fields(**optional):
    return st.fixed_dictionaries({}, optional=optional)


media = fields(
    id=words,
    mime_type=words,
    sha256=words,
    caption=words,
    filename=words,
    voice=st.booleans(),
    animated=st.booleans(),
)
answers = st.dictionaries(words, json_value, max_size=4).map(json.dumps)
interactive = st.one_of(
    *(
        fields(type=st.just(kind), **{kind: body})
        for kind, body in (
            ("button_reply", fields(id=words, title=words)),
            ("list_reply", fields(id=words, title=words, description=words)),
            ("nfm_reply", fields(response_json=answers | words, body=words, name=words)),
            (
                "call_permission_reply",
                fields(response=words, expiration_timestamp=number | words),
            ),
        )
    ),
    fields(type=words),
)
BODIES = {
    "text": fields(body=words),
    **dict.fromkeys(("image", "video", "audio", "document", "sticker"), media),
    "location": fields(latitude=number, longitude=number, name=words, address=words, url=words),
    "contacts": st.lists(
        fields(
            name=fields(formatted_name=words, first_name=words, last_name=words),
            org=fields(company=words, department=words, title=words),
            phones=st.lists(fields(phone=words, wa_id=words, type=words), max_size=2),
            emails=st.lists(fields(email=words, type=words), max_size=2),
        ),
        max_size=2,
    ),
    "button": fields(payload=words, text=words),
    "interactive": interactive,
    "order": fields(
        catalog_id=words,
        text=words,
        product_items=st.lists(
            fields(
                product_retailer_id=words,
                quantity=number,
                item_price=number | words,
                currency=words,
            ),
            max_size=3,
        ),
    ),
    "reaction": fields(message_id=words, emoji=words),
    "edit": fields(
        original_message_id=words,
        message=fields(
            type=st.sampled_from(["text", "image"]), text=fields(body=words), image=media
        ),
    ),
    "revoke": fields(original_message_id=words),
    "system": fields(
        body=words, type=words, wa_id=words, user_id=words, previous_user_id=words, identity=words
    ),
    "unsupported": fields(type=words),
}


@st.composite
def messages(draw):
    # An unknown type named "type" would be the same key twice: Hypothesis refuses that.
    kind = draw(st.sampled_from(sorted(BODIES)) | words.filter(lambda word: word != "type"))
    body = BODIES.get(kind, json_value)
    return draw(
        st.fixed_dictionaries(
            {"type": st.just(kind)},
            optional={
                kind: body,
                "from": words,
                "from_user_id": words,
                "id": words,
                "timestamp": number | words,
                "context": fields(
                    id=words,
                    forwarded=st.booleans(),
                    frequently_forwarded=st.booleans(),
                    referred_product=fields(catalog_id=words, product_retailer_id=words),
                ),
                "referral": fields(source_url=words, source_type=words, ctwa_clid=words),
                "errors": st.lists(fields(code=st.integers(), title=words), max_size=2),
                "identity": fields(hash=words, acknowledged=st.booleans()),
            },
        )
    )


@settings(max_examples=300)
@given(st.lists(messages(), max_size=4), st.lists(fields(wa_id=words, user_id=words), max_size=2))
def test_random_well_formed_messages_always_parse_to_an_inbound_kind(batch, contacts):
    payload = fixture("text")
    value = payload["entry"][0]["changes"][0]["value"]
    value["messages"], value["contacts"] = batch, contacts
    for event in parse_delivery(payload):
        message = from_cloud(event)
        assert InboundKind(message.kind) is not None
        assert isinstance(message.text, str) and isinstance(message.target_id, str)
        assert message.wa_message_id and message.identities
        stored = json.loads(json.dumps(message.to_json(), allow_nan=False))
        assert InboundMessage.from_json(stored) == message
