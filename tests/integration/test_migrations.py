"""The one migration chain, forwards and backwards, on both engines."""

import contextlib
import io

import pytest
from piccolo.apps.migrations.commands.backwards import run_backwards
from piccolo.engine.postgres import PostgresEngine

from b2a.db.engine import bind_engine, close_pool, create_engine, start_pool
from b2a.schema.migrate import apply_pending, migration_ids, pending_ids
from b2a.schema.piccolo_app import all_tables
from b2a.settings import load_settings

HOT_PATH_INDEXES = {
    "ix_conversation_inbox",
    "ix_message_wamid_unique",
    "ix_message_thread",
    "ix_scheduled_message_due",
}


@pytest.fixture(params=["postgres", "sqlite"])
async def empty_engine(request, make_database, tmp_path, base_env):
    url = make_database() if request.param == "postgres" else f"sqlite:///{tmp_path}/fresh.sqlite3"
    engine = create_engine(load_settings({**base_env, "B2A_DB_URL": url}).db)
    bind_engine(engine, all_tables())
    await start_pool(engine)
    yield engine
    await close_pool(engine)


async def _index_names(engine):
    if isinstance(engine, PostgresEngine):
        rows = await engine.run_ddl("SELECT indexname AS name FROM pg_indexes")
    else:
        rows = await engine.run_ddl("SELECT name FROM sqlite_master WHERE type = 'index'")
    return {row["name"] for row in rows}


async def test_the_chain_builds_every_table_and_index_on_an_empty_database(empty_engine):
    assert await pending_ids() == migration_ids()
    applied = await apply_pending()
    assert applied == migration_ids()
    for table in all_tables():
        assert await table.table_exists().run(), table._meta.tablename
    assert await _index_names(empty_engine) >= HOT_PATH_INDEXES
    assert await pending_ids() == []
    assert await apply_pending() == []


async def test_the_chain_runs_backwards_to_an_empty_database(empty_engine):
    await apply_pending()
    with contextlib.redirect_stdout(io.StringIO()):
        result = await run_backwards("b2a", migration_id="all", auto_agree=True)
    assert result.success, result.message
    for table in all_tables():
        assert not await table.table_exists().run(), table._meta.tablename
    assert not HOT_PATH_INDEXES & await _index_names(empty_engine)
    assert await pending_ids() == migration_ids()
