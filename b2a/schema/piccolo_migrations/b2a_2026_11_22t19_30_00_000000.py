from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.indexes import IndexMethod
from piccolo.engine import engine_finder

ID = "2026-11-22T19:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "outbound pipeline: reply-step claim and the stranded-send sweep index"


async def create_index():
    await engine_finder().run_ddl(
        "CREATE INDEX IF NOT EXISTS ix_message_pending ON message (state, state_changed_at)"
    )


async def drop_index():
    await engine_finder().run_ddl("DROP INDEX IF EXISTS ix_message_pending")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="b2a", description=DESCRIPTION)
    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    manager.add_column(
        table_class_name="Message",
        tablename="message",
        column_name="replied_at",
        db_column_name="replied_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )
    return manager
