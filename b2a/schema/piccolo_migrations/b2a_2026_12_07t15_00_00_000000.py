from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-07T15:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "Each conversation's waiting outbound messages in order, to find the head of its queue"
)

# Small: it holds only messages still waiting to go, so finding a conversation's head (and
# the sweep's "is it the head?") never walks a long thread's history.
INDEX = (
    "CREATE INDEX IF NOT EXISTS ix_message_send_queue ON message (conversation, created_at, id) "
    "WHERE direction = 'OUTBOUND' AND state IN ('QUEUED', 'SENDING')"
)


async def _forwards_sql():
    await engine_finder().run_ddl(INDEX)


async def _backwards_sql():
    await engine_finder().run_ddl("DROP INDEX IF EXISTS ix_message_send_queue")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="b2a", description=DESCRIPTION)
    manager.add_raw(_forwards_sql)
    manager.add_raw_backwards(_backwards_sql)
    return manager
