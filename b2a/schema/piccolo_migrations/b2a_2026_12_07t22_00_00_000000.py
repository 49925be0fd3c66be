from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-07T22:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Sandbox test customers, and assistant turns taken in the sandbox"

# (table, column, PostgreSQL type, SQLite type)
COLUMNS = (
    ("customer", "sandbox", "boolean NOT NULL DEFAULT false", "BOOLEAN NOT NULL DEFAULT 0"),
    ("ai_usage", "sandbox", "boolean NOT NULL DEFAULT false", "BOOLEAN NOT NULL DEFAULT 0"),
)
# What the sandbox made before: a customer met only on the sandbox channel is a test
# customer, and a turn in a sandbox conversation is a sandbox turn (b2a.inbox.simulator).
ON_SANDBOX = (
    "SELECT conversation.id FROM conversation JOIN channel ON channel.id = conversation.channel"
    " WHERE channel.transport = 'sandbox'"
)
ELSEWHERE = (
    "SELECT conversation.customer FROM conversation"
    " JOIN channel ON channel.id = conversation.channel WHERE channel.transport <> 'sandbox'"
)
MARK = (
    f"UPDATE ai_usage SET sandbox = :yes WHERE conversation IN ({ON_SANDBOX})",
    "UPDATE customer SET sandbox = :yes WHERE id IN (SELECT conversation.customer FROM"
    f" conversation WHERE conversation.id IN ({ON_SANDBOX})) AND id NOT IN ({ELSEWHERE})",
)
# The sandbox page lists a tenant's test customers.
INDEX = "CREATE INDEX IF NOT EXISTS ix_customer_sandbox ON customer (tenant) WHERE sandbox"


async def _forwards_sql():
    engine = engine_finder()
    postgres = engine.engine_type == "postgres"
    for table, column, pg_type, sqlite_type in COLUMNS:
        kind = pg_type if postgres else sqlite_type
        await engine.run_ddl(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
    for statement in MARK:
        await engine.run_ddl(statement.replace(":yes", "true" if postgres else "1"))
    await engine.run_ddl(INDEX if postgres else INDEX.replace("WHERE sandbox", "WHERE sandbox = 1"))


async def _backwards_sql():
    engine = engine_finder()
    await engine.run_ddl("DROP INDEX IF EXISTS ix_customer_sandbox")
    for table, column, _pg, _sqlite in reversed(COLUMNS):
        await engine.run_ddl(f"ALTER TABLE {table} DROP COLUMN {column}")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="b2a", description=DESCRIPTION)
    manager.add_raw(_forwards_sql)
    manager.add_raw_backwards(_backwards_sql)
    return manager
