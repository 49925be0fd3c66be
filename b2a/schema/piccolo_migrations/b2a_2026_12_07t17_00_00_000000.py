from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-07T17:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Stripe ids up to 255 characters, the length Stripe says its ids may reach"

# (table, column, length before). SQLite does not enforce a varchar's length: PostgreSQL only.
COLUMNS = (
    ("stripe_event", "event_id", 80),
    ("stripe_customer", "customer_id", 64),
    ("subscription", "stripe_customer_id", 64),
    ("subscription", "stripe_subscription_id", 64),
)


async def _forwards_sql():
    engine = engine_finder()
    if engine.engine_type != "postgres":
        return
    for table, column, _before in COLUMNS:
        await engine.run_ddl(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar(255)")


async def _backwards_sql():
    engine = engine_finder()
    if engine.engine_type != "postgres":
        return
    for table, column, before in COLUMNS:
        await engine.run_ddl(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar({before})")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="b2a", description=DESCRIPTION)
    manager.add_raw(_forwards_sql)
    manager.add_raw_backwards(_backwards_sql)
    return manager
