from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.engine import engine_finder

ID = "2026-12-01T14:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "orders: 64-bit totals, the customer notice, who changed a status; FAQ order"

# The orders list (keyset by creation) and the conversation's open draft.
INDEXES = {
    "customer_order_recent": "customer_order (tenant, created_at DESC, id)",
    "customer_order_conversation": "customer_order (conversation, status)",
}


async def _forwards_sql():
    engine = engine_finder()
    if engine.engine_type == "postgres":
        # SQLite integers are 64-bit already.
        await engine.run_ddl("ALTER TABLE customer_order ALTER COLUMN total_minor TYPE bigint")
    for name, target in INDEXES.items():
        await engine.run_ddl(f"CREATE INDEX IF NOT EXISTS ix_{name} ON {target}")


async def _backwards_sql():
    engine = engine_finder()
    for name in INDEXES:
        await engine.run_ddl(f"DROP INDEX IF EXISTS ix_{name}")
    if engine.engine_type == "postgres":
        await engine.run_ddl("ALTER TABLE customer_order ALTER COLUMN total_minor TYPE integer")


def _params(**extra):
    return {
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        **extra,
    }


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="b2a", description=DESCRIPTION)
    manager.add_raw(_forwards_sql)
    manager.add_raw_backwards(_backwards_sql)
    manager.add_column(
        table_class_name="Order",
        tablename="customer_order",
        column_name="notice",
        db_column_name="notice",
        column_class_name="Varchar",
        column_class=Varchar,
        params=_params(length=500, default=""),
        schema=None,
    )
    manager.add_column(
        table_class_name="OrderStatusChange",
        tablename="order_status_change",
        column_name="actor_label",
        db_column_name="actor_label",
        column_class_name="Varchar",
        column_class=Varchar,
        params=_params(length=254, default=""),
        schema=None,
    )
    manager.add_column(
        table_class_name="FaqEntry",
        tablename="faq_entry",
        column_name="display_order",
        db_column_name="display_order",
        column_class_name="Integer",
        column_class=Integer,
        params=_params(default=0),
        schema=None,
    )
    return manager
