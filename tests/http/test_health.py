import time

import pytest
from litestar.testing import AsyncTestClient

from b2a.server.app import create_app
from tests.services import free_port


@pytest.fixture
def closed_port():
    return free_port()


async def _get(settings, path):
    async with AsyncTestClient(create_app(settings)) as client:
        started = time.monotonic()
        response = await client.get(path)
        return response, time.monotonic() - started


async def test_health_and_ready_answer_when_everything_is_up(db, make_settings):
    settings = make_settings(B2A_DB_URL=db.url)
    response, _ = await _get(settings, "/health")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    response, _ = await _get(settings, "/ready")
    assert response.status_code == 200 and response.json() == {"status": "ready"}


async def test_ready_names_a_down_database_within_a_second(make_settings, closed_port, redis):
    settings = make_settings(B2A_DB_URL=f"postgresql://postgres@127.0.0.1:{closed_port}/b2a")
    response, took = await _get(settings, "/ready")
    assert response.status_code == 503
    assert response.json()["code"] == "DB_UNAVAILABLE"
    assert took < 1.0


async def test_ready_names_a_down_redis_within_a_second(pg, make_settings, closed_port):
    settings = make_settings(B2A_DB_URL=pg.url, B2A_REDIS_URL=f"redis://127.0.0.1:{closed_port}/0")
    response, took = await _get(settings, "/ready")
    assert response.status_code == 503
    assert response.json()["code"] == "REDIS_UNAVAILABLE"
    assert took < 1.0


async def test_openapi_json_is_served_under_api(pg, make_settings):
    response, _ = await _get(make_settings(B2A_DB_URL=pg.url), "/api/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/meta" in response.json()["paths"]


async def test_unknown_routes_answer_in_the_error_shape(pg, make_settings):
    response, _ = await _get(make_settings(B2A_DB_URL=pg.url), "/api/v1/nope")
    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"
    assert "Traceback" not in response.text


async def test_the_front_page_sends_visitors_to_the_login_page(pg, make_settings, redis):
    response, _ = await _get(make_settings(B2A_DB_URL=pg.url), "/")
    assert response.status_code == 200 and response.url.path == "/login"
    assert "text/html" in response.headers["content-type"]


async def test_the_app_keeps_the_log_level_the_process_chose(db, make_settings):
    import logging

    root = logging.getLogger()
    before = root.level
    root.setLevel(logging.WARNING)
    try:
        await _get(make_settings(B2A_DB_URL=db.url), "/health")
        assert root.level == logging.WARNING
    finally:
        root.setLevel(before)
