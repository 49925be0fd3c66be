from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-01T12:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "send path: find a message's schedule by index"

# Every send asks whether its message came from a schedule (only those have one
# to finish); without this index that question scanned the tenant's schedules.


async def create_index():
    await engine_finder().run_ddl(
        "CREATE INDEX IF NOT EXISTS ix_scheduled_message_message ON scheduled_message (message)"
    )


async def drop_index():
    await engine_finder().run_ddl("DROP INDEX IF EXISTS ix_scheduled_message_message")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="b2a", description=DESCRIPTION)
    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
