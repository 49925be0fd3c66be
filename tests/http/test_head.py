"""``HEAD`` answers wherever ``GET`` does: every GET route of the built app, with no body."""

from __future__ import annotations

from typing import Any

from tests.http.test_roles import PARAM, STREAMS, _logged_in, seed
from tests.http.web.conftest import (
    make_web_settings,  # noqa: F401
    settings,  # noqa: F401
    smtp,  # noqa: F401
    smtp_server,  # noqa: F401
)

# Path parameters of routes outside the tenant's rows (static files, the webhook, the API docs).
OTHER_PARAMS = {"file_path": "css/app.css", "channel_id": "nothing", "path": "nothing"}


def get_routes(app: Any) -> list[str]:
    """Every path with a GET handler, streams aside (their HEAD would wait for events)."""
    return sorted(
        route.path
        for route in app.routes
        if any("GET" in h.http_methods for h in getattr(route, "route_handlers", []))
        and route.path not in STREAMS
    )


async def test_head_answers_every_get_route_like_get_without_a_body(app, cast):
    seeded = {**await seed(cast), **OTHER_PARAMS}
    _, client = await _logged_in(app, cast.acme_owner.email)
    paths = get_routes(app)
    assert {"/", "/favicon.ico", "/app/replies", "/health"} <= set(paths)
    wrong = []
    for path in paths:
        url = PARAM.sub(lambda m: seeded[m.group(1)], path)
        head = await client.head(url, headers={"Accept": "text/html"})
        got = await client.get(url, headers={"Accept": "text/html"})
        if head.status_code != got.status_code or head.content:
            wrong.append((path, head.status_code, got.status_code, got.headers.get("location")))
        elif head.headers.get("content-type") != got.headers.get("content-type"):
            wrong.append((path, head.headers.get("content-type"), got.headers.get("content-type")))
    await client.aclose()
    assert wrong == [], wrong


async def test_head_where_no_get_exists_is_still_refused(app, cast):
    _, client = await _logged_in(app, cast.acme_owner.email)
    assert (await client.head("/logout")).status_code == 405
    await client.aclose()


async def test_the_favicon_is_an_svg_the_browser_caches(app):
    from tests.http.web.conftest import make_browser

    async with make_browser(app) as client:
        icon = await client.get("/favicon.ico")
        assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
        assert icon.content.startswith(b"<svg") and "max-age=86400" in icon.headers["cache-control"]
        login = await client.get("/login")
        assert 'rel="icon" href="/static/img/favicon.svg' in login.text
