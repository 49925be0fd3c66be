"""The real app in the test's event loop, and an HTTP client talking to it.

Litestar's test client runs the app in a thread with its own event loop; the
app's PostgreSQL pool would then belong to that loop while the test (and a
running worker) query from this one. httpx's ASGI transport inside the app's
lifespan keeps everything on one loop.
"""

from __future__ import annotations

import httpx
import pytest

from b2a.server.app import create_app


@pytest.fixture
def settings(db, make_settings, tmp_path):
    return make_settings(B2A_DB_URL=db.url, B2A_HOME=str(tmp_path))


@pytest.fixture
async def app(settings, redis):
    app = create_app(settings)
    # The startup and shutdown hooks alone: Litestar's lifespan() holds a task group
    # that pytest would enter and exit from different tasks.
    for hook in app.on_startup:
        await hook(app)
    yield app
    for hook in app.on_shutdown:
        await hook(app)


@pytest.fixture
async def client(app):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
