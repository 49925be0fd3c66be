from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-07T14:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "One reply per turn: the greeting and away notice the assistant's turn says first"

# (table, column, PostgreSQL type, SQLite type)
COLUMNS = (
    ("message", "lead_greeting", "text NOT NULL DEFAULT ''", "TEXT NOT NULL DEFAULT ''"),
    ("message", "lead_away", "text NOT NULL DEFAULT ''", "TEXT NOT NULL DEFAULT ''"),
)


async def _forwards_sql():
    engine = engine_finder()
    postgres = engine.engine_type == "postgres"
    for table, column, pg_type, sqlite_type in COLUMNS:
        kind = pg_type if postgres else sqlite_type
        await engine.run_ddl(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")


async def _backwards_sql():
    engine = engine_finder()
    for table, column, _pg, _sqlite in reversed(COLUMNS):
        await engine.run_ddl(f"ALTER TABLE {table} DROP COLUMN {column}")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="b2a", description=DESCRIPTION)
    manager.add_raw(_forwards_sql)
    manager.add_raw_backwards(_backwards_sql)
    return manager
