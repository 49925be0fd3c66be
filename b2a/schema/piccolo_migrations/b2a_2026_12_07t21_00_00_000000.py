from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-07T21:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "Each user's choice of a sound and a desktop notification; counting unread conversations"
)

# (table, column, PostgreSQL type, SQLite type): both off until the user switches them on.
COLUMNS = (
    ("app_user", "notify_sound", "boolean NOT NULL DEFAULT false", "BOOLEAN NOT NULL DEFAULT 0"),
    ("app_user", "notify_desktop", "boolean NOT NULL DEFAULT false", "BOOLEAN NOT NULL DEFAULT 0"),
)

# The tab title's count (inbox.queries.count_unread): only unread conversations are in it.
UNREAD = (
    "CREATE INDEX IF NOT EXISTS ix_conversation_unread ON conversation (tenant) "
    "WHERE unread_count > 0"
)


async def _forwards_sql():
    engine = engine_finder()
    postgres = engine.engine_type == "postgres"
    for table, column, pg_type, sqlite_type in COLUMNS:
        kind = pg_type if postgres else sqlite_type
        await engine.run_ddl(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
    await engine.run_ddl(UNREAD)


async def _backwards_sql():
    engine = engine_finder()
    await engine.run_ddl("DROP INDEX IF EXISTS ix_conversation_unread")
    for table, column, _pg, _sqlite in reversed(COLUMNS):
        await engine.run_ddl(f"ALTER TABLE {table} DROP COLUMN {column}")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="b2a", description=DESCRIPTION)
    manager.add_raw(_forwards_sql)
    manager.add_raw_backwards(_backwards_sql)
    return manager
