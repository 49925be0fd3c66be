"""Wiring of the session process: connections, the wanted-tenant query, the runners."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from b2a.db.engine import bind_engine, close_pool, create_engine, start_pool
from b2a.inbox.rules import Transport
from b2a.inbox.tables import Channel
from b2a.lib import queue as job_queue
from b2a.lib import redis as redis_lib
from b2a.ops.queue import create_queue
from b2a.schema.tables import all_tables
from b2a.session.bridge import Bridge
from b2a.session.main import (
    RunnerFactory,
    SessionProcess,
    SessionRunner,
    install_signal_handlers,
)
from b2a.session.web_client import ClientFactory, neonize_client
from b2a.session.web_runner import WebSessionRunner
from b2a.settings import Settings
from b2a.system import switches
from b2a.tenants.rules import TenantStatus

log = logging.getLogger("b2a.whatsapp")


async def wanted_tenants() -> list[str]:
    """Tenants whose WhatsApp-Web channel should run: asked for, active, WhatsApp-enabled.

    None while the operator's global WhatsApp switch is off.
    """
    if not await switches.whatsapp_enabled_globally():
        return []
    rows = (
        await Channel.select(Channel.tenant)
        .where(
            (Channel.transport == Transport.WEB)
            & (Channel.wants_session == True)  # noqa: E712
            & (Channel.tenant.status == TenantStatus.ACTIVE)
            & (Channel.tenant.whatsapp_enabled == True)  # noqa: E712
        )
        .order_by(Channel.created_at)
        .run()
    )
    return [str(row["tenant"]) for row in rows]


def web_runners(
    settings: Settings, redis: Any, bridge: Bridge, make_client: ClientFactory
) -> RunnerFactory:
    """Builds each tenant's WhatsApp-Web runner on the process's shared connections."""

    def make(tenant_id: str) -> SessionRunner:
        return WebSessionRunner(
            tenant_id, settings=settings, redis=redis, bridge=bridge, make_client=make_client
        )

    return make


async def run_session_process(
    settings: Settings, make_client: ClientFactory = neonize_client
) -> None:
    """Run the loop until SIGTERM or SIGINT.

    neonize calls block, so they run in threads: enough for every session to
    have a send and a presence update in flight at once.
    """
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(max_workers=max(8, 3 * settings.whatsapp.max_sessions))
    )
    engine = create_engine(settings.db, "whatsapp")
    bind_engine(engine, all_tables())
    await start_pool(engine, max_size=settings.db.pool_max)
    redis = redis_lib.connect(settings.redis)
    jobs = create_queue(settings.redis)
    await jobs.connect()
    job_queue.install(jobs)
    bridge = Bridge(redis)
    process = SessionProcess(
        settings, redis, wanted_tenants, web_runners(settings, redis, bridge, make_client)
    )
    bridge.wake = process.wake
    install_signal_handlers(process)
    pump = asyncio.create_task(bridge.run())
    try:
        await process.run()
    finally:
        await bridge.stop()
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pump
        await jobs.disconnect()
        await redis.aclose()
        await close_pool(engine)
        _exit_if_threads_linger()


def _exit_if_threads_linger() -> None:
    """End the process if neonize still holds it open after everything is saved and released.

    A session stopped while showing QR codes keeps a non-daemon neonize thread
    until its codes run out (about three minutes), which would outlast systemd's
    stop timeout; nothing is left to save, so leave at once.
    """
    lingering = [
        t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon
    ]
    if lingering:
        log.info("whatsapp process exiting with %d neonize threads still open", len(lingering))
        logging.shutdown()
        os._exit(0)
