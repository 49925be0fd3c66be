"""Wiring of the session process: connections, the wanted-tenant query, the runners."""

from __future__ import annotations

import logging

from b2a.db.engine import bind_engine, close_pool, create_engine, start_pool
from b2a.inbox.rules import Transport
from b2a.inbox.tables import Channel
from b2a.lib import redis as redis_lib
from b2a.schema.piccolo_app import all_tables
from b2a.session.main import SessionProcess, SessionRunner, install_signal_handlers
from b2a.settings import Settings
from b2a.tenants.rules import TenantStatus

log = logging.getLogger("b2a.whatsapp")


class LeaseOnlyRunner:
    """Holds a tenant's lease without a WhatsApp connection.

    The WhatsApp-Web transport (neonize) plugs in here with the conversation
    pipeline; until then the process says so instead of pretending to connect.
    """

    def __init__(self, tenant_id: str) -> None:
        self.tenant_id = tenant_id

    async def start(self) -> None:
        """Log that no WhatsApp-Web transport is installed yet."""
        log.info("tenant %s: lease held; no WhatsApp-Web transport installed yet", self.tenant_id)

    async def stop(self) -> None:
        """Nothing to disconnect."""


async def wanted_tenants() -> list[str]:
    """Tenants whose WhatsApp-Web channel should run: asked for, active, WhatsApp-enabled."""
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


def _runner(tenant_id: str) -> SessionRunner:
    return LeaseOnlyRunner(tenant_id)


async def run_session_process(settings: Settings) -> None:
    """Run the loop until SIGTERM or SIGINT."""
    engine = create_engine(settings.db)
    bind_engine(engine, all_tables())
    await start_pool(engine, max_size=settings.db.pool_max)
    redis = redis_lib.connect(settings.redis)
    process = SessionProcess(settings, redis, wanted_tenants, _runner)
    install_signal_handlers(process)
    try:
        await process.run()
    finally:
        await redis.aclose()
        await close_pool(engine)
