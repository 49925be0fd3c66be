"""Apply the schema's migrations and tell which are pending."""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

from piccolo.apps.migrations.tables import Migration

from b2a.errors import B2AError

APP_NAME = "b2a"
MIGRATIONS = Path(__file__).parent / "piccolo_migrations"


def migration_ids() -> list[str]:
    """Every migration shipped with this version, oldest first (ids sort by time)."""
    ids = []
    for path in MIGRATIONS.glob("*.py"):
        if path.name != "__init__.py":
            ids.append(_read_id(path))
    return sorted(ids)


def _read_id(path: Path) -> str:
    for line in path.read_text().splitlines():
        if line.startswith("ID ="):
            return line.split("=", 1)[1].strip().strip("'\"")
    raise B2AError(f"migration {path.name} declares no ID")


async def applied_ids() -> list[str]:
    """Migrations recorded as applied in the bound database."""
    if not await Migration.table_exists().run():
        return []
    rows = await Migration.select(Migration.name).where(Migration.app_name == APP_NAME).run()
    return sorted(row["name"] for row in rows)


async def pending_ids() -> list[str]:
    """Migrations this version ships that the bound database has not applied."""
    applied = set(await applied_ids())
    return [mid for mid in migration_ids() if mid not in applied]


async def apply_pending() -> list[str]:
    """Apply every pending migration, oldest first, and return their ids.

    Piccolo narrates on stdout; callers show their own progress, so that is swallowed.
    """
    pending = await pending_ids()
    if not pending:
        return []
    # Imported here: Piccolo's migration machinery pulls in black (docs/decisions.md).
    from piccolo.apps.migrations.commands.forwards import ForwardsMigrationManager

    os.environ.setdefault("PICCOLO_CONF", "b2a.db.piccolo_conf")
    with contextlib.redirect_stdout(io.StringIO()) as narration:
        result = await ForwardsMigrationManager(app_name=APP_NAME).run()
    if not result.success:
        raise B2AError(f"migrations failed: {result.message or narration.getvalue()[-500:]}")
    return pending
