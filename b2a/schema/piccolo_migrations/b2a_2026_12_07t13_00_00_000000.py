from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-07T13:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "What orders need moves from the assistant's required fields to the catalogue: "
    "a business that required an address delivers, the others need neither"
)

# The new column defaults to 'address', as the assistant's default fields did;
# a business that had unticked "address" takes orders that need none. The
# "address" left in the assistant's fields is ignored from now on (it is no
# longer a choice there), so going back has nothing to restore.
FORWARDS = (
    "UPDATE tenant SET orders_need = 'none' WHERE id IN ("
    "SELECT tenant FROM assistant_config "
    "WHERE CAST(required_order_fields AS TEXT) NOT LIKE '%\"address\"%')"
)


async def _forwards_sql():
    await engine_finder().run_ddl(FORWARDS)


async def _backwards_sql():
    return None


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="b2a", description=DESCRIPTION)
    manager.add_raw(_forwards_sql)
    manager.add_raw_backwards(_backwards_sql)
    return manager
