import contextlib
import hashlib
import hmac
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2a.errors import Forbidden, Invalid
from b2a.whatsapp.cloud_webhook import (
    CloudMessage,
    CloudStatus,
    answer_handshake,
    parse_delivery,
    signature_is_valid,
)
from b2a.whatsapp.failures import describe_failure

SECRET = "app-secret"


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def delivery(messages=(), statuses=(), number="1111", contacts=()):
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "WABA",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "15550001111",
                                "phone_number_id": number,
                            },
                            "contacts": list(contacts),
                            "messages": list(messages),
                            "statuses": list(statuses),
                        },
                    }
                ],
            }
        ],
    }


@given(st.binary(max_size=500))
def test_only_the_right_secret_over_the_exact_body_verifies(body):
    assert signature_is_valid(SECRET, body, sign(body))
    assert not signature_is_valid(SECRET, body + b" ", sign(body))
    assert not signature_is_valid(SECRET, body, sign(body, "other-secret"))
    assert not signature_is_valid(SECRET, body, None)
    assert not signature_is_valid(SECRET, body, sign(body).removeprefix("sha256="))


def test_the_handshake_echoes_the_challenge_only_for_our_token():
    params = {"hub.mode": "subscribe", "hub.verify_token": "tok", "hub.challenge": "1158201444"}
    assert answer_handshake(params, "tok") == "1158201444"
    with pytest.raises(Forbidden):
        answer_handshake({**params, "hub.verify_token": "nope"}, "tok")
    with pytest.raises(Forbidden):
        answer_handshake({**params, "hub.mode": "unsubscribe"}, "tok")


def test_messages_and_statuses_are_parsed_with_routing_and_media():
    payload = delivery(
        contacts=[{"profile": {"name": "Ayesha"}, "wa_id": "923001234567"}],
        messages=[
            {
                "from": "923001234567",
                "id": "wamid.A",
                "timestamp": "1700000000",
                "type": "text",
                "text": {"body": "price kya hai?"},
            },
            {
                "from": "923001234567",
                "id": "wamid.B",
                "timestamp": "1700000001",
                "type": "image",
                "image": {
                    "id": "MEDIA1",
                    "mime_type": "image/jpeg",
                    "sha256": "abc",
                    "caption": "this one",
                },
            },
        ],
        statuses=[
            {
                "id": "wamid.OUT",
                "status": "failed",
                "timestamp": "1700000002",
                "recipient_id": "923001234567",
                "errors": [{"code": 131047, "title": "Re-engagement message"}],
            },
        ],
    )
    text, image, status = parse_delivery(payload)
    assert isinstance(text, CloudMessage) and text.phone_number_id == "1111"
    assert (text.wamid, text.wa_id, text.profile_name, text.text) == (
        "wamid.A",
        "923001234567",
        "Ayesha",
        "price kya hai?",
    )
    assert image.kind == "image" and image.media.media_id == "MEDIA1" and image.text == "this one"
    assert isinstance(status, CloudStatus) and status.status == "failed"
    assert status.errors[0]["code"] == 131047
    assert status.dedupe_key == "wamid.OUT:failed"


def test_other_objects_are_refused():
    with pytest.raises(Invalid):
        parse_delivery({"object": "page", "entry": []})


@given(
    st.recursive(
        st.none() | st.integers() | st.text(max_size=5),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
        ),
        max_leaves=20,
    )
)
def test_arbitrary_json_never_crashes_the_parser(junk):
    payload = {"object": "whatsapp_business_account", "entry": junk}
    with contextlib.suppress(Invalid):
        parse_delivery(payload)


def test_failure_codes_read_as_plain_words():
    window = describe_failure(131047)
    assert "24 hours" in window.plain and window.permanent
    assert not describe_failure("130429").permanent
    assert not describe_failure(131056).permanent
    assert "not be on WhatsApp" in describe_failure(131026).plain
    unknown = describe_failure(999999, "Something odd")
    assert "999999" in unknown.plain and "Something odd" in unknown.plain
    assert json.dumps(unknown.__dict__)
