import re
import uuid

import httpx
import pytest

TOKEN = "metrics-token-for-tests"
ID_LIKE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}|\d{7}")


@pytest.fixture
def settings(db, make_settings, app_home):
    return make_settings(B2A_DB_URL=db.url, B2A_HOME=str(app_home), B2A_METRICS_TOKEN=TOKEN)


def _client(app, address):
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


def _labels(text):
    return [
        v
        for line in text.splitlines()
        if not line.startswith("#")
        for v in re.findall(r'="([^"]*)"', line)
    ]


async def test_a_loopback_client_reads_metrics_with_the_live_gauges(app):
    async with _client(app, "127.0.0.1") as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'b2a_live_read_ok{source="queue"} 1.0' in text
    assert 'b2a_live_read_ok{source="database"} 1.0' in text
    assert "b2a_queue_depth 0.0" in text
    assert "b2a_dead_letter_messages 0.0" in text


async def test_another_address_is_refused_without_the_token(app):
    async with _client(app, "203.0.113.9") as client:
        missing = await client.get("/metrics")
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert missing.status_code == 403 and wrong.status_code == 403
    assert "B2A_METRICS_TOKEN" in missing.text


async def test_another_address_reads_metrics_with_the_token(app):
    async with _client(app, "203.0.113.9") as client:
        response = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200 and "b2a_queue_depth" in response.text


async def test_without_a_token_only_loopback_reads(db, make_settings, app_home, redis):
    from b2a.server.app import create_app

    settings = make_settings(B2A_DB_URL=db.url, B2A_HOME=str(app_home))
    app = create_app(settings)
    for hook in app.on_startup:
        await hook(app)
    try:
        async with _client(app, "203.0.113.9") as client:
            refused = await client.get("/metrics", headers={"Authorization": "Bearer "})
        async with _client(app, "::1") as client:
            allowed = await client.get("/metrics")
    finally:
        for hook in app.on_shutdown:
            await hook(app)
    assert refused.status_code == 403 and allowed.status_code == 200


async def test_request_latency_is_labelled_by_route_template_never_by_id(app):
    channel = uuid.uuid4()
    async with _client(app, "127.0.0.1") as client:
        await client.post(f"/webhooks/whatsapp/{channel}", content=b"{}")
        await client.get(f"/api/v1/conversations/{channel}")
        text = (await client.get("/metrics")).text
    assert 'route="/webhooks/whatsapp/{channel_id}"' in text
    assert 'b2a_webhooks_refused_total{reason="unknown_channel",source="whatsapp"}' in text
    assert str(channel) not in text
    assert not [v for v in _labels(text) if ID_LIKE.search(v)]
