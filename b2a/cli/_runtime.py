"""What every CLI command needs: settings, a bound database, one-line errors.

Every ``b2a`` process, ``serve``, ``worker`` and ``whatsapp`` included, starts by
importing the CLI, so its modules import at the top only what ``--help`` needs and
the rest inside the command that uses it (docs/decisions.md, "Each process imports
what it uses").
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from rich.console import Console

from b2a.errors import Unavailable
from b2a.settings import Settings, settings_from_environment

T = TypeVar("T")

console = Console()
err_console = Console(stderr=True)


def load_settings() -> Settings:
    """The settings every process uses: config file, then environment."""
    return settings_from_environment()


def run_with_db(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work`` with every table bound to the configured database."""
    from asyncpg import PostgresError

    from b2a.db.diagnose import diagnose_database_error
    from b2a.db.engine import bind_engine, close_pool, create_engine, start_pool
    from b2a.schema.tables import all_tables
    from b2a.tenants.passwords import configure_hashing

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
