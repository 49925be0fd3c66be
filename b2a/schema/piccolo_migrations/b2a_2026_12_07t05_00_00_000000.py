from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-07T05:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "every kind of WhatsApp update: message fields, event attempts and dead letters, "
    "marketing opt-outs, template quality, notices"
)

# (table, column, PostgreSQL type, SQLite type)
COLUMNS = (
    ("message", "data", "json NOT NULL DEFAULT '{}'", "JSON NOT NULL DEFAULT '{}'"),
    ("message", "reply_to", "varchar(128) NOT NULL DEFAULT ''", "VARCHAR NOT NULL DEFAULT ''"),
    ("message", "reaction", "varchar(32) NOT NULL DEFAULT ''", "VARCHAR NOT NULL DEFAULT ''"),
    ("message", "edited_at", "timestamptz NULL", "TIMESTAMPTZ NULL"),
    ("message", "history", "json NOT NULL DEFAULT '[]'", "JSON NOT NULL DEFAULT '[]'"),
    ("message", "deleted_at", "timestamptz NULL", "TIMESTAMPTZ NULL"),
    ("customer", "marketing_opt_out_at", "timestamptz NULL", "TIMESTAMPTZ NULL"),
    ("inbound_event", "outcome", "varchar(16) NOT NULL DEFAULT ''", "VARCHAR NOT NULL DEFAULT ''"),
    ("inbound_event", "attempts", "integer NOT NULL DEFAULT 0", "INTEGER NOT NULL DEFAULT 0"),
    (
        "inbound_event",
        "last_error",
        "varchar(500) NOT NULL DEFAULT ''",
        "VARCHAR NOT NULL DEFAULT ''",
    ),
    ("inbound_event", "dead_at", "timestamptz NULL", "TIMESTAMPTZ NULL"),
    (
        "message_template",
        "quality",
        "varchar(10) NOT NULL DEFAULT ''",
        "VARCHAR NOT NULL DEFAULT ''",
    ),
    (
        "message_template",
        "status_reason",
        "varchar(300) NOT NULL DEFAULT ''",
        "VARCHAR NOT NULL DEFAULT ''",
    ),
    ("tenant", "keep_deleted_text", "boolean NOT NULL DEFAULT false", "BOOLEAN NOT NULL DEFAULT 0"),
)

NOTICE = """CREATE TABLE notice (
    id {uuid} PRIMARY KEY,
    created_at {ts} NOT NULL,
    tenant {uuid} NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    kind {text}(40) NOT NULL,
    level {text}(8) NOT NULL DEFAULT 'warning',
    text {text}(1000) NOT NULL,
    source_key {text}(160) NOT NULL DEFAULT '',
    dismissed_at {ts} NULL
)"""

# The sweep reads only events still waiting: processed and dead ones never slow it down.
INDEXES = (
    "CREATE INDEX IF NOT EXISTS ix_inbound_event_waiting ON inbound_event (created_at) "
    "WHERE processed_at IS NULL AND dead_at IS NULL",
    "CREATE INDEX IF NOT EXISTS ix_inbound_event_dead ON inbound_event (dead_at) "
    "WHERE dead_at IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS ix_notice_tenant ON notice (tenant)",
)


async def _forwards_sql():
    engine = engine_finder()
    postgres = engine.engine_type == "postgres"
    for table, column, pg_type, sqlite_type in COLUMNS:
        kind = pg_type if postgres else sqlite_type
        await engine.run_ddl(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
    if postgres:
        await engine.run_ddl("ALTER TABLE message ALTER COLUMN kind TYPE varchar(16)")
        await engine.run_ddl(NOTICE.format(uuid="uuid", ts="timestamptz", text="varchar"))
    else:
        await engine.run_ddl(NOTICE.format(uuid="UUID", ts="TIMESTAMPTZ", text="VARCHAR"))
    for index in INDEXES:
        await engine.run_ddl(index)


async def _backwards_sql():
    engine = engine_finder()
    await engine.run_ddl("DROP INDEX IF EXISTS ix_inbound_event_waiting")
    await engine.run_ddl("DROP INDEX IF EXISTS ix_inbound_event_dead")
    await engine.run_ddl("DROP TABLE IF EXISTS notice")
    for table, column, _pg, _sqlite in reversed(COLUMNS):
        await engine.run_ddl(f"ALTER TABLE {table} DROP COLUMN {column}")
    if engine.engine_type == "postgres":
        await engine.run_ddl("ALTER TABLE message ALTER COLUMN kind TYPE varchar(10)")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="b2a", description=DESCRIPTION)
    manager.add_raw(_forwards_sql)
    manager.add_raw_backwards(_backwards_sql)
    return manager
