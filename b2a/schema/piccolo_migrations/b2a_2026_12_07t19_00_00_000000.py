from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-07T19:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "customer tags (the tenant's labels on customers); customers listed newest first"

CUSTOMER_LABEL = """CREATE TABLE customer_label (
    id {uuid} PRIMARY KEY,
    created_at {ts} NOT NULL,
    tenant {uuid} NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    customer {uuid} NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
    label {uuid} NOT NULL REFERENCES label (id) ON DELETE CASCADE
)"""

# A customer carries a label once; the directory pages newest first within a tenant.
INDEXES = (
    "CREATE INDEX IF NOT EXISTS customer_label_tenant ON customer_label (tenant)",
    "CREATE UNIQUE INDEX IF NOT EXISTS ux_customer_label ON customer_label (customer, label)",
    "CREATE INDEX IF NOT EXISTS customer_label_label ON customer_label (label)",
    "CREATE INDEX IF NOT EXISTS ix_customer_directory ON customer (tenant, created_at DESC, id DESC)",
)
DROP = (
    "DROP INDEX IF EXISTS ix_customer_directory",
    "DROP TABLE IF EXISTS customer_label",
)


async def _forwards_sql():
    engine = engine_finder()
    if engine.engine_type == "postgres":
        await engine.run_ddl(CUSTOMER_LABEL.format(uuid="uuid", ts="timestamptz"))
    else:
        await engine.run_ddl(CUSTOMER_LABEL.format(uuid="UUID", ts="TIMESTAMPTZ"))
    for index in INDEXES:
        await engine.run_ddl(index)


async def _backwards_sql():
    engine = engine_finder()
    for statement in DROP:
        await engine.run_ddl(statement)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="b2a", description=DESCRIPTION)
    manager.add_raw(_forwards_sql)
    manager.add_raw_backwards(_backwards_sql)
    return manager
