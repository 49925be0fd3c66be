"""What every CLI command needs: settings, a bound database, one-line errors."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from asyncpg import PostgresError
from rich.console import Console

from b2a.db.diagnose import diagnose_database_error
from b2a.db.engine import bind_engine, close_pool, create_engine, start_pool
from b2a.errors import Unavailable
from b2a.schema.tables import all_tables
from b2a.settings import Settings, settings_from_environment
from b2a.tenants.passwords import configure_hashing

T = TypeVar("T")

console = Console()
err_console = Console(stderr=True)


def load_settings() -> Settings:
    """The settings every process uses: config file, then environment."""
    return settings_from_environment()


def run_with_db(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work`` with every table bound to the configured database."""
    configure_hashing(settings.auth)

    async def main() -> T:
        engine = create_engine(settings.db)
        bind_engine(engine, all_tables())
        try:
            await start_pool(engine, max_size=settings.db.pool_max)
        except (OSError, PostgresError) as exc:
            what, fix = diagnose_database_error(exc, settings.db.url)
            raise Unavailable(f"{what} {fix}", code="DB_UNAVAILABLE") from None
        try:
            return await work()
        finally:
            await close_pool(engine)

    return asyncio.run(main())
