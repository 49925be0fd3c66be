"""The real app in the test's event loop, and an HTTP client talking to it.

Litestar's test client runs the app in a thread with its own event loop; the
app's PostgreSQL pool would then belong to that loop while the test (and a
running worker) query from this one. httpx's ASGI transport inside the app's
lifespan keeps everything on one loop.

An app is built once per settings in each worker and reused (``built_apps``):
the settings' data directory is the worker's ``app_home``, emptied for each test,
so tests of a module share their settings unless a fake server starts per test.
"""

from __future__ import annotations

import httpx
import pytest
from litestar import Litestar
from litestar.datastructures import State

from b2a.server.app import create_app
from b2a.settings import Settings


@pytest.fixture
def settings(db, make_settings, app_home):
    return make_settings(B2A_DB_URL=db.url, B2A_HOME=str(app_home))


# Apps kept for reuse per worker; a module whose fake server starts per test builds its own.
KEPT_APPS = 6


@pytest.fixture(scope="session")
def built_apps() -> dict[Settings, Litestar]:
    """The apps built in this worker, by their settings, most recently used last.

    Building one costs about 0.3 s of CPU (Litestar copies and registers every
    route handler, builds the OpenAPI document, and Jinja compiles each template
    the first time a page uses it), and equal settings build equal apps.
    """
    return {}


@pytest.fixture
async def app(settings, redis, built_apps):
    """The app for these settings, started for this test and stopped after it.

    Each test runs the app's own startup and shutdown hooks, so its connections
    and the installed queue are this test's; what a test assigns to ``app.state``
    is undone after it.
    """
    app = built_apps.pop(settings, None) or create_app(settings)
    built_apps[settings] = app
    while len(built_apps) > KEPT_APPS:
        built_apps.pop(next(iter(built_apps)))
    state = app.state.dict()
    # The startup and shutdown hooks alone: Litestar's lifespan() holds a task group
    # that pytest would enter and exit from different tasks.
    for hook in app.on_startup:
        await hook(app)
    yield app
    for hook in app.on_shutdown:
        await hook(app)
    app.state = State(state)


@pytest.fixture
async def client(app):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
