"""The Litestar application factory."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from litestar import Litestar, get
from litestar.datastructures import CacheControlHeader, State
from litestar.logging import LoggingConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.plugins.htmx import HTMXPlugin
from litestar.response import File
from litestar.static_files import create_static_files_router
from redis.exceptions import RedisError

from b2a import __version__
from b2a.db.engine import bind_engine, close_pool, create_engine, start_pool
from b2a.lib import queue as job_queue
from b2a.lib import redis as redis_lib
from b2a.lib import tracing
from b2a.ops.queue import create_queue
from b2a.schema.tables import all_tables
from b2a.server.api import SECURITY_COMPONENTS, create_api_router
from b2a.server.edge import HostileInput
from b2a.server.errors import EXCEPTION_HANDLERS
from b2a.server.head import answer_head
from b2a.server.headers import add_security_headers
from b2a.server.health import health, ready
from b2a.server.metrics import read_metrics, timed
from b2a.server.openapi import declare_errors
from b2a.server.requestid import with_request_id
from b2a.server.tracing import traced
from b2a.server.web import create_web_router
from b2a.server.web.templates import STATIC_DIR, template_config
from b2a.server.webhooks.stripe import receive_stripe_webhook
from b2a.server.webhooks.whatsapp import receive_webhook, verify_webhook
from b2a.server.websession import write_cookies
from b2a.settings import Settings
from b2a.tenants.passwords import configure_hashing

log = logging.getLogger(__name__)


@get("/meta", sync_to_thread=False, tags=["meta"], opt={"exclude_from_auth": True})
def meta() -> dict[str, str]:
    """Which b2a answers; lets API clients check compatibility."""
    return {"name": "b2a", "version": __version__, "api": "v1"}


@get(
    "/favicon.ico",
    sync_to_thread=False,
    include_in_schema=False,
    opt={"public": True, "exclude_from_auth": True},
    cache_control=CacheControlHeader(max_age=86400),
)
def favicon() -> File:
    """The tab icon where browsers look for it without a <link rel=icon> (an SVG)."""
    return File(
        STATIC_DIR / "img" / "favicon.svg",
        media_type="image/svg+xml",
        content_disposition_type="inline",
    )


def create_app(settings: Settings) -> Litestar:
    """Build the ASGI app; connections open at startup and close at shutdown."""
    engine = create_engine(settings.db, "serve")
    bind_engine(engine, all_tables())
    configure_hashing(settings.auth)

    async def open_connections(app: Litestar) -> None:
        app.state.engine = engine
        app.state.redis = redis_lib.connect(settings.redis)
        app.state.queue = create_queue(settings.redis)
        job_queue.install(app.state.queue)
        try:
            await start_pool(engine, max_size=settings.db.pool_max)
        except Exception as exc:
            # Stay up and answer /ready with DB_UNAVAILABLE rather than crash-looping.
            log.warning("database pool not started (%s); queries will open connections", exc)

    async def close_connections(app: Litestar) -> None:
        # uvicorn ends the process by re-raising SIGTERM after this: no exit hook runs.
        await asyncio.to_thread(tracing.flush)
        await close_pool(engine)
        with contextlib.suppress(RedisError):  # shutting down while Redis is away
            await app.state.queue.disconnect()
        await app.state.redis.aclose()

    api = create_api_router(meta)
    static = create_static_files_router(
        path="/static",
        directories=[STATIC_DIR],
        cache_control=CacheControlHeader(max_age=3600),
        include_in_schema=False,
    )
    app = Litestar(
        route_handlers=[
            create_web_router(),
            static,
            favicon,
            health,
            ready,
            read_metrics,
            api,
            verify_webhook,
            receive_webhook,
            receive_stripe_webhook,
        ],
        on_startup=[open_connections],
        on_shutdown=[close_connections],
        middleware=[HostileInput()],
        exception_handlers=EXCEPTION_HANDLERS,
        before_send=[add_security_headers, write_cookies],
        template_config=template_config(),
        plugins=[HTMXPlugin()],
        state=State({"settings": settings}),
        openapi_config=OpenAPIConfig(
            title="b2a API",
            version=__version__,
            path="/api",
            render_plugins=[JsonRenderPlugin()],
            components=SECURITY_COMPONENTS,
        ),
        # The process configured logging from B2A_LOG_LEVEL (lib/log.py); Litestar must not
        # reset the root logger to its own INFO.
        logging_config=LoggingConfig(configure_root_logger=False),
        debug=False,
    )
    declare_errors(app.openapi_schema)  # the document is built once, here, and served as is
    handler = answer_head(timed(app.asgi_handler))
    app.asgi_handler = with_request_id(traced(handler) if tracing.enabled() else handler)
    return app
