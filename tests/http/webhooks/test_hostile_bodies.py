"""Signed Cloud API bodies of every odd shape: answered 200, never a 5xx Meta would retry.

Meta retries any answer but 200 for days, and a body that is unreadable now is
unreadable on every retry, so a signed body is always acknowledged: what can be
read is stored, the rest is counted as ``skipped``. Over-long WhatsApp ids are
stored by a stable digest: a redelivery still deduplicates, and statuses and
reactions naming the long id find the message.
"""

import json

from litestar.testing import AsyncTestClient

from b2a.inbox.channels import connect_cloud_channel
from b2a.inbox.rules import DeliveryState
from b2a.inbox.tables import Conversation, Customer, CustomerIdentity, InboundEvent, Message
from b2a.lib.crypto import SecretBox
from b2a.server.app import create_app
from b2a.tenants.scope import TenantScope
from b2a.whatsapp import ids
from b2a.whatsapp.cloud_api import CloudCredentials
from tests.fakes.graph_api import TOKEN, FakeGraphApi
from tests.http.webhooks.test_whatsapp import (  # noqa: F401
    SECRET,
    _drain,
    _event_keys,
    cloud,
    delivery,
    signed,
    text,
)
from tests.pipeline import installed_queue

LONG_WAMID = "wamid." + "HBgMOTIzMDAxMjM0NTY3FQIAEhggQ0" * 10  # 306 characters


def sign_bytes(body: bytes) -> dict[str, str]:
    import hashlib
    import hmac

    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={digest}", "Content-Type": "application/json"}


async def _post_all(settings, channel, bodies):
    """Post each body signed, through one app; the answers."""
    async with installed_queue(settings), AsyncTestClient(create_app(settings)) as client:
        return [
            await client.post(
                f"/webhooks/whatsapp/{channel.id}", content=body, headers=sign_bytes(body)
            )
            for body in bodies
        ]


async def _post(settings, channel, payload):
    (response,) = await _post_all(settings, channel, [signed(payload)[0]])
    return response


NO_DELIVERY = {
    "array": b"[1,2]",
    "string": b'"x"',
    "null": b"null",
    "number": b"42",
    "empty object": b"{}",
    "another object": b'{"object": "page", "entry": []}',
    "not json": b"not json at all",
    "cut short": b'{"object": "whatsapp_business_account", "entry": [',
    "not utf-8": b"\xff\xfe\x00 not utf-8",
    "3000 deep": b"[" * 3000 + b"]" * 3000,
    "40 deep": b'{"a": ' * 40 + b"1" + b"}" * 40,
    "NaN entry": b'{"object": "whatsapp_business_account", "entry": [NaN]}',
}


async def test_a_signed_body_that_is_no_delivery_is_acknowledged_and_stores_nothing(
    cloud,  # noqa: F811
    redis,
):
    settings, scope, channel = cloud
    answers = await _post_all(settings, channel, NO_DELIVERY.values())
    for name, response in zip(NO_DELIVERY, answers, strict=True):
        assert response.status_code == 200, (name, response.text)
        assert response.json() == {"accepted": 0, "skipped": 1}, name
    assert await scope.count(InboundEvent).run() == 0


def _wrong_types():
    """Deliveries whose every level holds something of the wrong JSON type."""
    for entry in (None, "x", 1, {"id": "WABA"}, [None, 1, "x", []]):
        yield {"object": "whatsapp_business_account", "entry": entry}
    for changes in (None, "x", [None, 1, [], {"field": "messages", "value": "x"}]):
        yield {"object": "whatsapp_business_account", "entry": [{"changes": changes}]}
    base = delivery([text("wamid.ok")])
    value = base["entry"][0]["changes"][0]["value"]
    for key, junk in (
        ("metadata", "x"),
        ("metadata", {"phone_number_id": {"a": 1}}),
        ("contacts", "x"),
        ("contacts", [1, None, {"wa_id": ["x"], "profile": "x"}]),
        ("messages", "x"),
        ("messages", [1, None, "x", [], {"id": ["x"], "from": {}}]),
        ("statuses", [1, None, {"id": None}, {"id": {"x": 1}, "status": []}]),
        ("errors", "x"),
    ):
        yield {
            **base,
            "entry": [{"changes": [{"field": "messages", "value": {**value, key: junk}}]}],
        }
    for field in (None, 1, ["messages"], "x" * 300, "Messages!"):
        yield {
            "object": "whatsapp_business_account",
            "entry": [{"id": "WABA", "changes": [{"field": field, "value": {"a": 1}}]}],
        }


async def test_wrong_types_at_every_level_are_acknowledged_not_refused(
    cloud,  # noqa: F811
    redis,
):
    settings, scope, channel = cloud
    payloads = list(_wrong_types())
    answers = await _post_all(settings, channel, [signed(p)[0] for p in payloads])
    for payload, response in zip(payloads, answers, strict=True):
        assert response.status_code == 200, (payload, response.text)
        assert set(response.json()) == {"accepted", "skipped"}, payload


async def test_odd_timestamps_ids_and_numbers_in_a_message_are_stored_all_the_same(
    cloud,  # noqa: F811
    redis,
):
    settings, scope, channel = cloud
    odd = [
        {**text("wamid.t1"), "timestamp": "soon"},
        {**text("wamid.t2"), "timestamp": 10**30},
        {**text("wamid.t3"), "timestamp": "253402300799"},  # 9999-12-31: no endless window
        {**text("wamid.t4"), "timestamp": -1},
        {**text("wamid.t5"), "timestamp": [1]},
        {**text("wamid.t6"), "id": 123456},  # a number for an id is read as its digits
        {
            "from": "923001234567",
            "id": "wamid.flow",
            "timestamp": "1700000000",
            "type": "interactive",
            "interactive": {
                "type": "nfm_reply",
                "nfm_reply": {"name": "flow", "response_json": '{"a": 1e400, "b": NaN}'},
            },
        },
        {
            "from": "923001234567",
            "id": "wamid.cart",
            "timestamp": "1700000000",
            "type": "order",
            "order": {
                "catalog_id": "1",
                "product_items": [
                    {"product_retailer_id": "X", "quantity": 10**400, "item_price": 1e300},
                    {"product_retailer_id": "Y", "quantity": "1e400", "item_price": "NaN"},
                ],
            },
        },
    ]
    response = await _post(settings, channel, delivery(odd))
    assert response.json() == {"accepted": len(odd), "skipped": 0}
    await _drain(settings, await _event_keys(scope, "process_inbound", "msg:%"))
    stored = await scope.select(Message, Message.wa_message_id).run()
    assert sorted(m["wa_message_id"] for m in stored if m["wa_message_id"]) == sorted(
        [
            "wamid.t1",
            "wamid.t2",
            "wamid.t3",
            "wamid.t4",
            "wamid.t5",
            "123456",
            "wamid.flow",
            "wamid.cart",
        ]
    )
    windows = await scope.select(Conversation, Conversation.window_expires_at).run()
    assert all(w["window_expires_at"].year < 9999 for w in windows)


async def test_a_300_character_wamid_is_stored_once_by_its_digest(
    cloud,  # noqa: F811
    redis,
):
    settings, scope, channel = cloud
    payload = delivery([text(LONG_WAMID, "a very long id")])
    first = await _post(settings, channel, payload)
    again = await _post(settings, channel, payload)
    assert first.status_code == again.status_code == 200
    assert (first.json(), again.json()) == (
        {"accepted": 1, "skipped": 0},
        {"accepted": 0, "skipped": 0},
    )
    await _drain(settings, await _event_keys(scope, "process_inbound", "msg:%"))
    message = await scope.objects(Message).first()
    stored = ids.message_id(LONG_WAMID)
    assert message.wa_message_id == stored and len(stored) <= 128
    assert stored.startswith(LONG_WAMID[:40]) and stored == ids.message_id(stored)
    assert message.text == "a very long id"

    # Meta's status for the long id, and the customer's reaction to it, find the message.
    await scope.update(Message, {Message.state: DeliveryState.SENT}).run()
    status = {"id": LONG_WAMID, "status": "read", "timestamp": "1700000005"}
    reaction = {
        "from": "923001234567",
        "id": "wamid.reaction",
        "timestamp": "1700000006",
        "type": "reaction",
        "reaction": {"message_id": LONG_WAMID, "emoji": "👍"},
    }
    await _post(settings, channel, delivery([reaction], statuses=[status]))
    await _drain(settings, await _event_keys(scope, "apply_status", "status:%"))
    await _drain(settings, await _event_keys(scope, "process_inbound", "msg:wamid.reaction"))
    message = await scope.objects(Message).where(Message.wa_message_id == stored).first()
    assert (message.state, message.reaction) == (DeliveryState.READ, "👍")


async def test_long_or_odd_sender_ids_never_reach_the_database_as_they_are(
    cloud,  # noqa: F811
    redis,
):
    settings, scope, channel = cloud
    user_id = "PK." + "7" * 300
    messages = [
        {**text("wamid.s1"), "from": "9" * 40},  # no phone number: skipped, no sender
        {**text("wamid.s2"), "from": "not-a-number", "from_user_id": user_id},
        {**text("wamid.s3"), "from": "923001234567"},
        {**text("wamid.s4"), "from": "+923001234568"},
    ]
    payload = delivery(messages)
    payload["entry"][0]["changes"][0]["value"]["contacts"] = [
        {"profile": {"name": "N" * 500}, "wa_id": "923001234567"}
    ]
    response = await _post(settings, channel, payload)
    assert response.json() == {"accepted": 3, "skipped": 1}
    await _drain(settings, await _event_keys(scope, "process_inbound", "msg:%"))
    values = {
        (i["kind"], i["value"])
        for i in await scope.select(
            CustomerIdentity, CustomerIdentity.kind, CustomerIdentity.value
        ).run()
    }
    assert ("bsuid", ids.opaque_id(user_id)) in values
    assert {("phone", "923001234567"), ("phone", "923001234568")} <= values
    assert all(len(value) <= 128 for _, value in values)
    names = {c["name"] for c in await scope.select(Customer, Customer.name).run()}
    assert "N" * 120 in names


def test_the_id_rules():
    assert ids.message_id("wamid.ABC=") == "wamid.ABC="
    assert ids.message_id("") == ids.message_id("   ") == ""
    long = ids.message_id("x" * 129)
    assert len(long) == 40 + 1 + 64 and long == ids.message_id(long)
    assert ids.message_id("wamid with space") != "wamid with space"
    assert ids.message_id("\ud800") == ids.message_id("\ud800")  # a lone surrogate digests
    assert ids.phone("+923001234567") == "923001234567"
    assert ids.phone("9" * 21) == ids.phone("12ab") == ""
    assert ids.meta_id("1234567890") == "1234567890"
    assert ids.meta_id("../me") == ids.meta_id("a/b") == ids.meta_id("x" * 65) == ""
    assert ids.status_word("READ") == "read" and ids.status_word("x" * 25) == "unknown"
    assert json.dumps(ids.field_name("messages")) == '"messages"'


async def test_a_file_whatsapp_will_not_hand_over_leaves_the_message_saying_why(
    cast, db, make_settings, tmp_path, redis
):
    with FakeGraphApi() as graph:
        settings = make_settings(
            B2A_DB_URL=db.url, B2A_HOME=str(tmp_path), B2A_WHATSAPP_GRAPH_URL=graph.base_url
        )
        scope = TenantScope(cast.acme_owner.tenant_id)
        credentials = CloudCredentials("PNID1", TOKEN, "WABA", app_secret=SECRET, verify_token="v")
        channel = await connect_cloud_channel(
            scope, credentials, SecretBox(settings.core.encryption_key)
        )

        def image(wamid, media_id):
            return {
                "from": "923001234567",
                "id": wamid,
                "timestamp": "1700000000",
                "type": "image",
                "image": {"id": media_id, "mime_type": "image/jpeg", "caption": wamid},
            }

        payload = delivery([image("wamid.unknown", "404404"), image("wamid.path", "../../me")])
        response = await _post(settings, channel, payload)
        assert response.json() == {"accepted": 2, "skipped": 0}
        await _drain(settings, await _event_keys(scope, "process_inbound", "msg:%"))
    rows = await scope.select(
        Message, Message.text, Message.error_code, Message.error_detail
    ).where(Message.direction == "INBOUND")
    assert {r["text"]: r["error_code"] for r in rows} == {
        "wamid.unknown": "MEDIA_NOT_SAVED",
        "wamid.path": "MEDIA_NOT_SAVED",
    }
    assert all("send it again" in r["error_detail"] for r in rows)
    assert not [p for p in graph.state.sent if "../" in str(p)]
