"""Onboarding: WhatsApp-Web by QR or pairing code, the Cloud API form, the sandbox; admins only."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from b2a.inbox import web_session
from b2a.inbox.rules import ChannelMove, ChannelState, Transport
from b2a.inbox.tables import Channel
from b2a.session.web_messages import unreachable_reason
from b2a.tenants.scope import TenantScope
from b2a.whatsapp import web_relay
from tests.conftest import PASSWORD
from tests.fakes.graph_api import TOKEN, FakeGraphApi

WEB = "/app/onboarding/web"
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
    await _service_beats(redis)
    waiting = await browser.get("/app/onboarding/web/live")
    assert 'hx-trigger="every 2s"' in waiting.text and "Connecting to WhatsApp" in waiting.text
    assert _countdown(waiting.text) in range(28, 31), "connecting gives up within 30 s"
    assert "not running" not in waiting.text, "the service beats: it is not called down"

    scope = TenantScope(cast.acme_owner.tenant_id)
    await redis.set(web_relay.qr_key(tenant), QR, ex=web_relay.QR_TTL_SECONDS)
    await web_session.record_state(scope, redis, ChannelMove.SHOW_QR)
    page = await browser.get("/app/onboarding/web")
    assert '<svg role="img"' in page.text and 'class="qr-code"' in page.text
    assert QR not in page.text, "the code is drawn, never printed"
    assert _countdown(page.text) in (59, 60)
    assert 'id="web-drop"' in page.text, "a wait can be cancelled at once"

    await redis.delete(web_relay.qr_key(tenant))
    await web_session.record_state(scope, redis, ChannelMove.CONNECT)
    live = await browser.get("/app/onboarding/web/live")
    assert "Connected." in live.text and "hx-trigger" not in live.text, "polling stops"
    assert "<svg" not in live.text


def _countdown(html):
    return int(re.search(r'data-countdown="(\d+)"', html).group(1))


async def _service_beats(redis):
    """What a running `b2a whatsapp` does every tick."""
    await redis.set(web_relay.service_key(), "1", ex=30)


async def _overdue(scope, seconds=40):
    """Pretend the last state change happened ``seconds`` ago."""
    await scope.update(
        Channel, {Channel.state_changed_at: datetime.now(UTC) - timedelta(seconds=seconds)}
    ).where(Channel.transport == Transport.WEB)


async def test_a_connection_nobody_makes_fails_in_plain_words_naming_the_service_only_when_down(
    browser, cast, redis
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    await browser.submit("/app/onboarding/web/start", {}, page=WEB)
    down = await browser.get("/app/onboarding/web/live")
    assert "(<code>b2a whatsapp</code>) is not running" in down.text, "no heartbeat: it is down"
    await _overdue(scope)
    failed = await browser.get("/app/onboarding/web")
    assert "Could not connect." in failed.text and "is not running on this appliance" in failed.text
    assert 'id="web-start"' in failed.text and 'id="web-drop"' in failed.text
    assert "hx-trigger" not in failed.text, "a failure that nobody retries is not polled"

    await _service_beats(redis)
    await browser.submit("/app/onboarding/web/start", {}, page=WEB)
    await _overdue(scope)
    busy = await browser.get("/app/onboarding/web")
    assert "is running but did not take this session up" in busy.text
    assert "is not running" not in busy.text, "a beating service is never called down"


async def test_a_failure_reads_in_plain_words_and_is_dropped_at_once(browser, cast, redis):
    scope = TenantScope(cast.acme_owner.tenant_id)
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    await browser.submit("/app/onboarding/web/start", {}, page=WEB)
    await _service_beats(redis)
    reason = unreachable_reason("dial tcp: lookup web.whatsapp.com on 127.0.0.53:53: no such host")
    await web_session.record_state(scope, redis, ChannelMove.FAIL, error=reason)
    page = await browser.get("/app/onboarding/web")
    assert "WhatsApp cannot be reached from this server" in page.text
    assert "(DNS)" in page.text and "dial tcp" not in page.text and "127.0.0.53" not in page.text
    cloud = await browser.get("/app/onboarding/cloud")
    assert "connected through WhatsApp-Web" not in cloud.text

    dropped = await browser.submit("/app/onboarding/web/drop", {}, page=WEB)
    assert dropped.status_code == 303
    page = await browser.get("/app/onboarding/web")
    assert "Not set up." in page.text and "nothing holds your number" in page.text
    assert (await web_session.session_view(scope, redis)).state == ChannelState.NOT_SET_UP


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
    scope = TenantScope(cast.acme_owner.tenant_id)
    await web_session.record_state(scope, redis, ChannelMove.SHOW_PAIRING_CODE)
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
    assert channel.state == ChannelState.NOT_SET_UP and not channel.credentials


async def test_one_number_one_connection_is_said_in_plain_words(browser, cast, redis):
    scope = TenantScope(cast.acme_owner.tenant_id)
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    await browser.submit("/app/onboarding/web/start", {}, page="/app/onboarding/web")
    await web_session.record_state(scope, redis, ChannelMove.CONNECT)
    refused = await browser.submit(
        "/app/onboarding/cloud", cloud_form(), page="/app/onboarding/cloud"
    )
    assert refused.status_code == 409
    assert "connected through WhatsApp-Web" in refused.text and "/api/v1" not in refused.text

    await browser.post("/app/onboarding/web/logout", {})
    assert (await browser.post("/app/onboarding/cloud", cloud_form())).status_code == 303
    again = await browser.submit("/app/onboarding/web/start", {}, page="/app/onboarding/web")
    assert again.status_code == 409
    assert "Disconnect it on the Cloud API page first" in again.text


async def test_a_web_attempt_that_never_connected_gives_way_to_the_cloud_api(browser, cast):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    await browser.submit("/app/onboarding/web/start", {}, page=WEB)
    connected = await browser.post("/app/onboarding/cloud", cloud_form())
    assert connected.status_code == 303
    web = await Channel.objects().where(Channel.transport == Transport.WEB).first()
    assert web.state == ChannelState.NOT_SET_UP and not web.wants_session


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
