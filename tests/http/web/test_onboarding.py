"""Onboarding: WhatsApp-Web by QR or pairing code, the Cloud API form, the sandbox; admins only."""

import pytest

from b2a.inbox import web_session
from b2a.inbox.rules import ChannelState, Transport
from b2a.inbox.tables import Channel
from b2a.tenants.scope import TenantScope
from b2a.whatsapp import web_relay
from tests.conftest import PASSWORD
from tests.fakes.graph_api import TOKEN, FakeGraphApi

QR = "2@Qm9ndXMgcXIgZm9yIHRlc3Rz,dGVzdCBrZXk=,aWRlbnRpdHk=,YWR2ZXJ0aXNlZA=="
SECRET = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def graph():
    with FakeGraphApi() as fake:
        fake.state.add_number("106540352242922", "+92 300 1234567", "Acme", "102290129340398")
        yield fake


@pytest.fixture
def settings(make_web_settings, graph):
    return make_web_settings(B2A_WHATSAPP_GRAPH_URL=graph.base_url)


def cloud_form(**changes):
    return {
        "phone_number_id": "106540352242922",
        "waba_id": "102290129340398",
        "access_token": TOKEN,
        "app_secret": SECRET,
        "verify_token": "",
        **changes,
    }


async def test_the_qr_code_is_drawn_counts_down_and_gives_way_to_connected(browser, cast, redis):
    tenant = str(cast.acme_owner.tenant_id)
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    started = await browser.submit("/app/onboarding/web/start", {}, page="/app/onboarding/web")
    assert started.status_code == 303
    assert tenant in await redis.lrange(web_relay.wake_key(), 0, -1)
    waiting = await browser.get("/app/onboarding/web/live")
    assert 'hx-trigger="every 2s"' in waiting.text and "b2a whatsapp" in waiting.text

    # What the session process does when WhatsApp sends a code (session/web_runner.py).
    scope = TenantScope(cast.acme_owner.tenant_id)
    await redis.set(web_relay.qr_key(tenant), QR, ex=web_relay.QR_TTL_SECONDS)
    await web_session.record_state(scope, redis, ChannelState.PAIRING)
    page = await browser.get("/app/onboarding/web")
    assert '<svg role="img"' in page.text and 'class="qr-code"' in page.text
    assert QR not in page.text, "the code is drawn, never printed"
    assert 'data-countdown="60"' in page.text or 'data-countdown="59"' in page.text
    assert 'id="web-new-code"' in page.text, "a new code is offered once it runs out"

    await redis.delete(web_relay.qr_key(tenant))
    await web_session.record_state(scope, redis, ChannelState.CONNECTED)
    live = await browser.get("/app/onboarding/web/live")
    assert "Connected." in live.text and "hx-trigger" not in live.text, "polling stops"
    assert "<svg" not in live.text


async def test_a_pairing_code_needs_an_international_number_and_shows_for_two_minutes(
    browser, cast, redis
):
    tenant = str(cast.acme_owner.tenant_id)
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    bad = await browser.submit(
        "/app/onboarding/web/pairing-code", {"phone": "12345"}, page="/app/onboarding/web"
    )
    assert bad.status_code == 422
    assert 'id="e-phone"' in bad.text and "10 to 15 digits" in bad.text
    assert 'value="12345"' in bad.text, "what was typed stays in the field"
    assert await redis.llen(web_relay.commands_key(tenant)) == 0

    sent = await browser.post("/app/onboarding/web/pairing-code", {"phone": "+92 300 1234567"})
    assert sent.status_code == 303
    [command] = await redis.lrange(web_relay.commands_key(tenant), 0, -1)
    assert '"phone": "923001234567"' in command
    await redis.set(web_relay.pairing_code_key(tenant), "ABCD1234", ex=120)
    page = await browser.get(sent.headers["location"])
    assert "ABCD-1234" in page.text and 'value="+92 300 1234567"' in page.text
    assert 'data-countdown="120"' in page.text or 'data-countdown="119"' in page.text


async def test_the_cloud_api_is_connected_after_meta_accepts_and_shows_what_to_paste(browser, cast):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    wrong = await browser.submit(
        "/app/onboarding/cloud",
        cloud_form(access_token="not-the-token"),
        page="/app/onboarding/cloud",
    )
    assert wrong.status_code == 422 and 'id="e-access_token"' in wrong.text
    assert "not-the-token" not in wrong.text, "secrets are never echoed"
    assert 'value="106540352242922"' in wrong.text
    assert not await Channel.exists().where(Channel.transport == Transport.CLOUD)

    connected = await browser.post("/app/onboarding/cloud", cloud_form())
    assert connected.status_code == 303
    page = await browser.get("/app/onboarding/cloud")
    channel = await Channel.objects().where(Channel.transport == Transport.CLOUD).first()
    assert f"http://testserver/webhooks/whatsapp/{channel.id}" in page.text
    assert "+92 300 1234567" in page.text and TOKEN not in page.text and SECRET not in page.text

    gone = await browser.post("/app/onboarding/cloud/disconnect", {})
    assert gone.status_code == 303
    channel = await Channel.objects().where(Channel.id == channel.id).first()
    assert channel.state == ChannelState.DISCONNECTED and not channel.credentials


async def test_one_number_one_connection_is_said_in_plain_words(browser, cast):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    await browser.submit("/app/onboarding/web/start", {}, page="/app/onboarding/web")
    refused = await browser.submit(
        "/app/onboarding/cloud", cloud_form(), page="/app/onboarding/cloud"
    )
    assert refused.status_code == 409
    assert "connected through WhatsApp-Web" in refused.text and "/api/v1" not in refused.text

    await browser.post("/app/onboarding/web/logout", {})
    await (
        TenantScope(cast.acme_owner.tenant_id)
        .update(Channel, {Channel.state: ChannelState.NEEDS_PAIRING, Channel.wants_session: False})
        .where(Channel.transport == Transport.WEB)
    )
    assert (await browser.post("/app/onboarding/cloud", cloud_form())).status_code == 303
    again = await browser.submit("/app/onboarding/web/start", {}, page="/app/onboarding/web")
    assert again.status_code == 409
    assert "Disconnect it on the Cloud API page first" in again.text


async def test_the_sandbox_is_created_and_opened(browser, cast):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    page = await browser.get("/app/onboarding")
    assert "Scan a QR code" in page.text and "WhatsApp Cloud API" in page.text
    opened = await browser.post("/app/onboarding/sandbox", {})
    assert opened.status_code == 303 and opened.headers["location"] == "/app/sandbox"
    scope = TenantScope(cast.acme_owner.tenant_id)
    assert await scope.exists(Channel).where(Channel.transport == Transport.SANDBOX)
    assert "Sandbox" in (await browser.get("/app/onboarding")).text


async def test_another_tenants_codes_never_show(browser, cast, redis):
    await redis.set(web_relay.qr_key(str(cast.globex_owner.tenant_id)), QR, ex=60)
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    page = await browser.get("/app/onboarding/web")
    assert page.status_code == 200 and "<svg" not in page.text


async def test_staff_and_csrf_less_posts_are_refused(browser, cast):
    await browser.log_in(cast.acme_agent.email, PASSWORD)
    page = await browser.get("/app")
    assert 'href="/app/onboarding"' not in page.text
    for path in ("/app/onboarding", "/app/onboarding/web", "/app/onboarding/cloud"):
        assert (await browser.get(path)).status_code == 403, path
    for path in ("/app/onboarding/web/start", "/app/onboarding/cloud", "/app/onboarding/sandbox"):
        assert (await browser.post(path, {})).status_code == 403, path
    assert not await Channel.exists()

    await browser.log_in(cast.acme_owner.email, PASSWORD)
    await browser.get("/app/onboarding/web")
    response = await browser.client.post("/app/onboarding/web/start", data={})
    assert response.status_code == 403 and response.json()["code"] == "CSRF_FAILED"
    assert not await Channel.exists()
