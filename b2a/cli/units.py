"""``b2a serve | worker | whatsapp``: the bodies of the processes systemd runs.

Kept free of Typer and rich: ``b2a.cli.main`` calls these directly when the
command is given alone (as the units in ``deploy/systemd/`` give it), so a
long-running process holds neither (docs/decisions.md, "Each process imports what
it uses"). ``b2a.cli.run`` mounts them as Typer commands with their options.
"""

from __future__ import annotations

import asyncio
import gc

from b2a.errors import ConfigError
from b2a.lib import aio, metrics, tracing
from b2a.lib.log import configure_logging
from b2a.settings import Settings, settings_from_environment


def serve(host: str = "", port: int | None = None) -> None:
    """Run the web server: API, web UI, webhooks, health."""
    import uvicorn

    from b2a.server.app import create_app

    settings = settings_from_environment()
    require_secrets(settings)
    observe(settings, "b2a-serve")
    app = create_app(settings)
    # What is built by now (modules, routes, templates) lives as long as the process: frozen,
    # the collector's full passes walk only what requests made. Unfrozen, a full pass during
    # a request took the inbox's customer-name search page at 1M messages from a median of
    # 20 ms to 50-100 ms now and then (bench.inbox, docs/performance.md).
    gc.freeze()
    uvicorn.run(
        app,
        host=host or settings.server.host,
        port=port or settings.server.port,
        proxy_headers=True,
        # uvicorn takes the client address and https from these proxies' X-Forwarded-* headers.
        forwarded_allow_ips=settings.server.trusted_proxies,
        log_level=settings.core.log_level,
        log_config=None,  # uvicorn's records go through the root logger, in B2A_LOG_FORMAT
        access_log=False,
    )


def worker() -> None:
    """Run one SAQ worker: jobs, cron and the heartbeat."""
    from b2a.worker.settings import create_worker, handle_stop_signals

    settings = settings_from_environment()
    require_secrets(settings)
    observe(settings, "b2a-worker")

    async def main() -> None:
        instance = create_worker(settings)
        handle_stop_signals(instance)
        await instance.queue.connect()
        try:
            await instance.start()
        finally:
            await instance.stop()
            await instance.queue.disconnect()
            tracing.flush()

    aio.run(main())


def whatsapp() -> None:
    """Run the WhatsApp session process for the tenants it can lease."""
    from b2a.session.process import run_session_process

    settings = settings_from_environment()
    require_secrets(settings)
    observe(settings, "b2a-whatsapp")
    asyncio.run(run_session_process(settings))


def observe(settings: Settings, service: str) -> None:
    """Logging, metrics and tracing as configured, for the process named ``service``."""
    configure_logging(settings.core.log_level, settings.core.log_format)
    metrics.configure(settings.metrics.directory)
    tracing.configure(settings.tracing.mode, settings.tracing.endpoint, service)


def require_secrets(settings: Settings) -> None:
    """Refuse to start without the keys ``b2a init`` writes."""
    if not settings.core.secret_key or not settings.core.encryption_key:
        raise ConfigError("B2A_SECRET_KEY and B2A_ENCRYPTION_KEY are not set: run `b2a init`.")
