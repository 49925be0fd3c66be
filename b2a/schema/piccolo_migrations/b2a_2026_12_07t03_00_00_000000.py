from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-07T03:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "API tokens for super admins: a token's tenant may be empty"

# SQLite cannot drop a NOT NULL constraint, so there the table is rebuilt from
# its own stored definition with the constraint removed (nothing references
# api_token, so dropping the old copy touches no other table).
NOT_NULL = '"tenant" UUID NOT NULL'
NULLABLE = '"tenant" UUID'
INDEXES = (
    'CREATE INDEX IF NOT EXISTS api_token_tenant ON "api_token" ("tenant")',
    'CREATE INDEX IF NOT EXISTS api_token_user ON "api_token" ("user")',
)


async def _rebuild_sqlite(engine, before: str, after: str) -> None:
    rows = await engine.run_ddl(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'api_token'"
    )
    ddl = rows[0]["sql"].replace(before, after).replace('"api_token"', '"api_token_rebuilt"', 1)
    await engine.run_ddl(ddl)
    await engine.run_ddl('INSERT INTO "api_token_rebuilt" SELECT * FROM "api_token"')
    await engine.run_ddl('DROP TABLE "api_token"')
    await engine.run_ddl('ALTER TABLE "api_token_rebuilt" RENAME TO "api_token"')
    for index in INDEXES:
        await engine.run_ddl(index)


async def forwards_sql():
    engine = engine_finder()
    if engine.engine_type == "postgres":
        await engine.run_ddl("ALTER TABLE api_token ALTER COLUMN tenant DROP NOT NULL")
    else:
        await _rebuild_sqlite(engine, NOT_NULL, NULLABLE)


async def backwards_sql():
    engine = engine_finder()
    await engine.run_ddl("DELETE FROM api_token WHERE tenant IS NULL")
    if engine.engine_type == "postgres":
        await engine.run_ddl("ALTER TABLE api_token ALTER COLUMN tenant SET NOT NULL")
    else:
        await _rebuild_sqlite(engine, NULLABLE + " REFERENCES", NOT_NULL + " REFERENCES")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="b2a", description=DESCRIPTION)
    manager.add_raw(forwards_sql)
    manager.add_raw_backwards(backwards_sql)
    return manager
