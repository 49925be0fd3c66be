"""Tenant admins connect the Cloud API over the API; Meta (a local fake) checks the credentials."""

import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest

from b2a.audit.tables import AuditEntry
from b2a.db.columns import json_value
from b2a.inbox.rules import Transport
from b2a.inbox.tables import Channel, Conversation
from b2a.tenants.scope import TenantScope
from tests.fakes.graph_api import TOKEN, FakeGraphApi
from tests.http.api.conftest import seed_conversation

URL = "/api/v1/whatsapp/cloud"
SECRET = "0123456789abcdef0123456789abcdef"
TOKEN_HINT = "••••••••" + TOKEN[-4:]


@pytest.fixture
def graph():
    with FakeGraphApi() as fake:
        fake.state.add_number(
            "106540352242922", "+92 300 1234567", "Acme Bakery", "102290129340398"
        )
        fake.state.add_number("106540352249999", "+92 300 7654321", "Other", "199999999999999")
        yield fake


@pytest.fixture
def settings(db, make_settings, app_home, graph):
    return make_settings(
        B2A_DB_URL=db.url, B2A_HOME=str(app_home), B2A_WHATSAPP_GRAPH_URL=graph.base_url
    )


def form(**changes):
    return {
        "phone_number_id": "106540352242922",
        "waba_id": "102290129340398",
        "access_token": TOKEN,
        "app_secret": SECRET,
        **changes,
    }


def _signed(payload):
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return body, {"X-Hub-Signature-256": signature, "Content-Type": "application/json"}


def _delivery(number="106540352242922"):
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "923001234567",
                                "phone_number_id": number,
                            },
                            "statuses": [
                                {
                                    "id": "wamid.S1",
                                    "status": "delivered",
                                    "timestamp": "1700000000",
                                    "recipient_id": "923009999999",
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }


async def _connected_web(scope):
    """What the session process records once WhatsApp-Web connected."""
    await scope.update(
        Channel, {Channel.state: "CONNECTED", Channel.connected_at: datetime.now(UTC)}
    ).where(Channel.transport == Transport.WEB)


async def _channels(cast, transport=Transport.CLOUD):
    scope = TenantScope(cast.acme_owner.tenant_id)
    return await scope.objects(Channel).where(Channel.transport == transport)


async def _audit(cast):
    rows = await AuditEntry.select(AuditEntry.event, AuditEntry.detail).where(
        AuditEntry.tenant == cast.acme_owner.tenant_id
    )
    return [
        (row["event"], json_value(row["detail"]))
        for row in rows
        if row["event"].startswith("whatsapp.")
    ]


async def test_an_admin_connects_after_meta_accepts_and_gets_the_callback_url(
    client, cast, tokens, settings
):
    h = tokens.acme_owner
    before = (await client.get(URL, headers=h)).json()
    assert before["state"] == "NOT_SET_UP" and before["channel_id"] is None

    response = await client.put(URL, json=form(), headers=h)

    assert response.status_code == 200, response.text
    view = response.json()
    assert view["state"] == "CONNECTED" and view["display_phone"] == "+92 300 1234567"
    assert view["phone_number_id"] == "106540352242922" and view["waba_id"] == "102290129340398"
    assert view["access_token_hint"] == TOKEN_HINT
    assert len(view["verify_token"]) >= 24
    assert view["webhook_url"] == f"http://testserver/webhooks/whatsapp/{view['channel_id']}"
    assert TOKEN not in response.text and SECRET not in response.text
    assert (await client.get(URL, headers=h)).json() == view
    (channel,) = await _channels(cast)
    assert TOKEN not in channel.credentials and SECRET not in channel.credentials
    [(event, detail)] = await _audit(cast)
    assert event == "whatsapp.cloud.connected" and detail["verified_name"] == "Acme Bakery"
    assert TOKEN not in json.dumps(detail) and SECRET not in json.dumps(detail)

    # What Meta's dashboard does with the two values: the handshake, then signed deliveries.
    hook = view["webhook_url"].removeprefix("http://testserver")
    challenge = await client.get(
        hook,
        params={
            "hub.mode": "subscribe",
            "hub.verify_token": view["verify_token"],
            "hub.challenge": "1158201444",
        },
    )
    assert challenge.status_code == 200 and challenge.text == "1158201444"
    body, headers = _signed(_delivery())
    accepted = await client.post(hook, content=body, headers=headers)
    assert accepted.status_code == 200 and accepted.json() == {"accepted": 1, "skipped": 0}


async def test_updating_keeps_the_verify_token_unless_a_new_one_is_given(client, tokens):
    h = tokens.acme_owner
    first = (await client.put(URL, json=form(), headers=h)).json()
    again = (await client.put(URL, json=form(), headers=h)).json()
    assert again["verify_token"] == first["verify_token"]
    assert again["channel_id"] == first["channel_id"]
    chosen = (await client.put(URL, json=form(verify_token="my-own-token"), headers=h)).json()
    assert chosen["verify_token"] == "my-own-token"


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"access_token": "EAAG" + "x" * 40}, "access_token", "Meta refused the access token"),
        ({"phone_number_id": "106540350000000"}, "phone_number_id", "phone number id"),
        ({"waba_id": "102290120000000"}, "waba_id", "WhatsApp Business Account id"),
        ({"waba_id": "199999999999999"}, "waba_id", "does not belong"),
        ({"phone_number_id": "+92 300 1234567"}, "phone_number_id", "not the phone number"),
        ({"app_secret": ""}, "app_secret", "App settings"),
        ({"access_token": "short"}, "access_token", "whole access token"),
    ],
)
async def test_wrong_credentials_name_the_field_and_nothing_is_saved(
    client, cast, tokens, changes, field, says
):
    response = await client.put(URL, json=form(**changes), headers=tokens.acme_owner)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field and says in response.json()["message"]
    assert await _channels(cast) == [] and await _audit(cast) == []


async def test_meta_out_of_reach_is_a_503_and_nothing_is_saved(
    client, cast, tokens, graph, app, make_settings, db, app_home
):
    app.state.settings = make_settings(
        B2A_DB_URL=db.url, B2A_HOME=str(app_home), B2A_WHATSAPP_GRAPH_URL="http://127.0.0.1:9"
    )
    response = await client.put(URL, json=form(), headers=tokens.acme_owner)
    assert response.status_code == 503 and response.json()["code"] == "META_UNAVAILABLE"
    assert "Nothing was saved" in response.json()["message"]
    assert await _channels(cast) == []


async def test_staff_can_neither_see_nor_change_the_connection(client, cast, tokens):
    h = tokens.acme_agent
    assert (await client.get(URL, headers=h)).status_code == 403
    assert (await client.put(URL, json=form(), headers=h)).status_code == 403
    assert (await client.delete(URL, headers=h)).status_code == 403
    assert await _channels(cast) == []


async def test_one_transport_at_a_time_and_the_fix_is_named(client, cast, tokens):
    h = tokens.acme_owner
    scope = TenantScope(cast.acme_owner.tenant_id)
    assert (await client.post("/api/v1/whatsapp/web/start", headers=h)).status_code == 201
    await _connected_web(scope)
    refused = await client.put(URL, json=form(), headers=h)
    assert refused.status_code == 409 and refused.json()["code"] == "WEB_SESSION_ACTIVE"
    assert "/api/v1/whatsapp/web/logout" in refused.json()["message"]

    logged_out = await client.post("/api/v1/whatsapp/web/logout", headers=h)
    assert logged_out.json()["state"] == "LOGGED_OUT", "at once, not after the session service"
    assert (await client.put(URL, json=form(), headers=h)).status_code == 200
    started = await client.post("/api/v1/whatsapp/web/start", headers=h)
    assert started.status_code == 409 and started.json()["code"] == "CLOUD_API_CONNECTED"
    assert "DELETE /api/v1/whatsapp/cloud" in started.json()["message"]


async def test_disconnecting_stops_webhooks_keeps_history_and_reconnects_on_the_same_url(
    client, cast, tokens
):
    h = tokens.acme_owner
    connected = (await client.put(URL, json=form(), headers=h)).json()
    scope = TenantScope(cast.acme_owner.tenant_id)
    (channel,) = await _channels(cast)
    conversation = await seed_conversation(scope, channel)

    response = await client.delete(URL, headers=h)

    assert response.status_code == 200
    view = response.json()
    assert view["state"] == "NOT_SET_UP" and view["access_token_hint"] == ""
    assert view["phone_number_id"] == "" and view["verify_token"] == ""
    assert view["webhook_url"] == connected["webhook_url"]
    hook = connected["webhook_url"].removeprefix("http://testserver")
    body, headers = _signed(_delivery())
    assert (await client.post(hook, content=body, headers=headers)).status_code == 404
    assert (await scope.get(Conversation, conversation.id)).channel == channel.id
    assert (await client.delete(URL, headers=h)).json()["state"] == "NOT_SET_UP"
    events = [event for event, _ in await _audit(cast)]
    assert events == ["whatsapp.cloud.connected", "whatsapp.cloud.disconnected"]

    # A WhatsApp-Web attempt that never connected gives way to the Cloud API at once.
    assert (await client.post("/api/v1/whatsapp/web/start", headers=h)).status_code == 201
    back = (await client.put(URL, json=form(), headers=h)).json()
    assert back["state"] == "CONNECTED" and back["webhook_url"] == connected["webhook_url"]


async def test_a_number_connected_elsewhere_is_refused_after_meta_vouches(client, tokens):
    assert (await client.put(URL, json=form(), headers=tokens.acme_owner)).status_code == 200
    taken = await client.put(URL, json=form(), headers=tokens.globex_owner)
    assert taken.status_code == 409 and taken.json()["code"] == "NUMBER_TAKEN"
    guessed = await client.put(
        URL, json=form(access_token="EAAG" + "x" * 40), headers=tokens.globex_owner
    )
    assert guessed.status_code == 422  # without a valid token, nobody learns it is taken


async def test_the_public_url_setting_shapes_the_callback_url(
    client, tokens, app, make_settings, db, app_home, graph
):
    app.state.settings = make_settings(
        B2A_DB_URL=db.url,
        B2A_HOME=str(app_home),
        B2A_WHATSAPP_GRAPH_URL=graph.base_url,
        B2A_SERVER_PUBLIC_URL="https://chat.acme.example/",
    )
    view = (await client.put(URL, json=form(), headers=tokens.acme_owner)).json()
    assert (
        view["webhook_url"] == f"https://chat.acme.example/webhooks/whatsapp/{view['channel_id']}"
    )
