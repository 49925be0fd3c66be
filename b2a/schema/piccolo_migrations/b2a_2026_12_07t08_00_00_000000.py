from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-07T08:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "WhatsApp catalogue carts: service SKUs, order flags and the cart message of an order"

# (table, column, PostgreSQL type, SQLite type)
COLUMNS = (
    ("service", "sku", "varchar(100) NOT NULL DEFAULT ''", "VARCHAR NOT NULL DEFAULT ''"),
    ("customer_order", "flags", "json NOT NULL DEFAULT '[]'", "JSON NOT NULL DEFAULT '[]'"),
    (
        "customer_order",
        "source_message",
        "uuid NULL REFERENCES message (id) ON DELETE SET NULL",
        "UUID NULL REFERENCES message (id) ON DELETE SET NULL",
    ),
)

# A SKU names one service of a tenant; a cart message makes at most one order.
INDEXES = (
    "CREATE UNIQUE INDEX IF NOT EXISTS ix_service_sku_unique ON service (tenant, sku) "
    "WHERE sku <> ''",
    "CREATE UNIQUE INDEX IF NOT EXISTS ix_customer_order_source_unique "
    "ON customer_order (tenant, source_message) WHERE source_message IS NOT NULL",
)


async def _forwards_sql():
    engine = engine_finder()
    postgres = engine.engine_type == "postgres"
    for table, column, pg_type, sqlite_type in COLUMNS:
        kind = pg_type if postgres else sqlite_type
        await engine.run_ddl(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
    for index in INDEXES:
        await engine.run_ddl(index)


async def _backwards_sql():
    engine = engine_finder()
    await engine.run_ddl("DROP INDEX IF EXISTS ix_service_sku_unique")
    await engine.run_ddl("DROP INDEX IF EXISTS ix_customer_order_source_unique")
    for table, column, _pg, _sqlite in reversed(COLUMNS):
        await engine.run_ddl(f"ALTER TABLE {table} DROP COLUMN {column}")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="b2a", description=DESCRIPTION)
    manager.add_raw(_forwards_sql)
    manager.add_raw_backwards(_backwards_sql)
    return manager
