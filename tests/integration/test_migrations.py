"""The one migration chain, forwards and backwards, on both engines."""

import contextlib
import io
import uuid

import pytest
from piccolo.apps.migrations.commands.backwards import run_backwards
from piccolo.engine.postgres import PostgresEngine

from b2a.assistant.tables import AssistantConfig
from b2a.db.engine import bind_engine, close_pool, create_engine, start_pool
from b2a.db.integrity import is_unique_violation
from b2a.inbox.rules import Direction, Transport
from b2a.inbox.search import newest_matching
from b2a.inbox.tables import Channel, Conversation, Customer, Message
from b2a.lib import clock
from b2a.schema.migrate import apply_pending, migration_ids, pending_ids
from b2a.schema.tables import all_tables
from b2a.settings import load_settings
from b2a.tenants.actor import Actor
from b2a.tenants.rules import NO_PASSWORD, Role
from b2a.tenants.tables import AccountToken, Tenant, User

ORDERS_NEED = "2026-12-07T13:00:00:000000"
JOINED_EMAILS = "2026-12-07T18:00:00:000000"
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


async def _save_as_then(engine, row):
    """Insert ``row`` into the schema as it stands, leaving out columns a later migration adds.

    A test that goes back to a migration still writes through today's tables, whose
    ``save()`` would name every column of the newest schema.
    """
    table = type(row)._meta.tablename
    if isinstance(engine, PostgresEngine):
        found = await engine.run_ddl(
            "SELECT column_name AS name FROM information_schema.columns "
            f"WHERE table_name = '{table}'"
        )
    else:
        found = await engine.run_ddl(f"PRAGMA table_info({table})")
    existing = {column["name"] for column in found}
    values = {
        column._meta.db_column_name: getattr(row, column._meta.name)
        for column in type(row)._meta.columns
        if column._meta.db_column_name in existing
    }
    names = ", ".join(f'"{name}"' for name in values)
    marks = ", ".join("{}" for _ in values)
    await type(row).raw(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', *values.values())
    return row


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


async def test_what_orders_need_comes_from_whether_the_assistant_required_an_address(
    empty_engine,
):
    await apply_pending()
    with contextlib.redirect_stdout(io.StringIO()):
        back = await run_backwards("b2a", migration_id=ORDERS_NEED, auto_agree=True)
    assert back.success, back.message
    shop, salon, untouched = (Tenant(name=n, slug=n) for n in ("shop", "salon", "untouched"))
    for tenant in (shop, salon, untouched):
        await tenant.save()
    await AssistantConfig(tenant=shop.id, required_order_fields=["name", "address"]).save()
    await AssistantConfig(tenant=salon.id, required_order_fields=["name", "phone"]).save()

    assert (await pending_ids())[0] == ORDERS_NEED
    await apply_pending()
    needs = {
        r["name"]: r["orders_need"] for r in await Tenant.select(Tenant.name, Tenant.orders_need)
    }
    # The assistant's default fields included the address: a business that never changed them
    # keeps delivering.
    assert needs == {"shop": "address", "salon": "none", "untouched": "address"}


async def test_addresses_become_unique_among_joined_accounts_and_users_keep_their_links(
    empty_engine,
):
    await apply_pending()
    with contextlib.redirect_stdout(io.StringIO()):
        back = await run_backwards("b2a", migration_id=JOINED_EMAILS, auto_agree=True)
    assert back.success, back.message
    shop = Tenant(name="shop", slug="shop")
    await shop.save()
    owner = User(tenant=shop.id, email="owner@shop.test", password_hash="$argon2id$x")
    await _save_as_then(empty_engine, owner)
    await AccountToken(
        user=owner.id, purpose="RESET", token_hash="h" * 64, expires_at=clock.now()
    ).save()

    await apply_pending()  # on SQLite, app_user is rebuilt without its column UNIQUE
    assert await AccountToken.count().where(AccountToken.user == owner.id) == 1
    other = Tenant(name="other", slug="other")
    await other.save()
    await User(tenant=other.id, email="owner@shop.test", password_hash=NO_PASSWORD).save()
    with pytest.raises(Exception) as taken:
        await User(tenant=other.id, email="owner@shop.test", password_hash="$argon2id$y").save()
    assert is_unique_violation(taken.value)
    with pytest.raises(Exception) as twice:
        await User(tenant=shop.id, email="owner@shop.test", password_hash=NO_PASSWORD).save()
    assert is_unique_violation(twice.value)
    await Tenant.delete().where(Tenant.id == shop.id)
    assert not await AccountToken.exists(), "foreign keys still cascade from the rebuilt table"


SEARCH_INDEXES = "2026-12-07T20:00:00:000000"


async def _search_objects(engine):
    if isinstance(engine, PostgresEngine):
        return await _index_names(engine) & {"ix_message_text_search", "ix_customer_search"}
    rows = await engine.run_ddl(
        "SELECT name FROM sqlite_master WHERE name LIKE 'message_search%' AND type != 'index'"
    )
    return {row["name"] for row in rows}


async def test_the_search_indexes_cover_messages_stored_before_them_and_go_back(empty_engine):
    await apply_pending()
    with contextlib.redirect_stdout(io.StringIO()):
        back = await run_backwards("b2a", migration_id=SEARCH_INDEXES, auto_agree=True)
    assert back.success, back.message
    assert await _search_objects(empty_engine) == set()
    tenant = Tenant(name="shop", slug="shop")
    await tenant.save()
    owner = Actor(uuid.uuid4(), Role.TENANT_ADMIN, tenant.id)
    channel = owner.scope.new(Channel, transport=Transport.SANDBOX)
    await channel.save()
    customer = owner.scope.new(Customer, name="Ayesha", phone="923001112223")
    await _save_as_then(empty_engine, customer)
    conversation = owner.scope.new(
        Conversation, channel=channel.id, customer=customer.id, last_message_at=clock.now()
    )
    await conversation.save()
    await owner.scope.new(
        Message, conversation=conversation.id, direction=Direction.INBOUND, text="Tiramisu?"
    ).save()

    await apply_pending()
    assert await _search_objects(empty_engine)
    found = await newest_matching(
        owner.scope, "tiramisu", lambda: owner.scope.select(Conversation), None, 5, window=1
    )
    assert [row["id"] for row in found] == [conversation.id]
    with contextlib.redirect_stdout(io.StringIO()):
        back = await run_backwards("b2a", migration_id=SEARCH_INDEXES, auto_agree=True)
    assert back.success, back.message
    assert await _search_objects(empty_engine) == set()
