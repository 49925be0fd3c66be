"""Shared fixtures: settings from a dict, real PostgreSQL and Redis, a tenant cast.

The schema is migrated once per engine per session. Each test starts from empty
tables (DELETEs in one transaction) and a flushed Redis database reserved for tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sqlite3
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from hypothesis import settings as hypothesis_settings
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from b2a.db.engine import bind_engine, close_pool, create_engine, start_pool
from b2a.schema.migrate import apply_pending
from b2a.schema.tables import all_tables
from b2a.settings import Settings, load_settings
from b2a.tenants import service as tenants
from b2a.tenants.actor import Actor
from b2a.tenants.passwords import configure_hashing
from b2a.tenants.rules import Role
from tests.fakes.graph_api import FakeGraphApi
from tests.services import postgres_server, redis_server, start_redis


def _xdist_worker_number() -> int:
    """0 in a serial run; n in pytest-xdist's worker ``gwn``."""
    return int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))


# No per-example deadline: a deadline is a timed assertion, and on a machine busy with other work
# an example of a correct property took over the default 200 ms. Speed is bench/'s to measure.
hypothesis_settings.register_profile("b2a", deadline=None)
hypothesis_settings.load_profile("b2a")

# The Redis database every test flushes: B2A_TEST_REDIS_DB (9) in a serial run, and one more
# per pytest-xdist worker (gw0 → 9, gw1 → 10, …), so no worker flushes another's keys.
TEST_REDIS_DB = int(os.environ.get("B2A_TEST_REDIS_DB", "9")) + _xdist_worker_number()
# Redis's default number of databases; a worker past the last one gets a private redis-server.
REDIS_DATABASES = 16
PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
def redis_base_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.fixture(scope="session")
def redis_url(redis_base_url: str) -> Iterator[str]:
    if TEST_REDIS_DB < REDIS_DATABASES:
        yield f"{redis_base_url}/{TEST_REDIS_DB}"
        return
    with start_redis() as url:
        yield f"{url}/0"


def _replace_db(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def make_database(pg_admin_url: str) -> Iterator[Callable[[], str]]:
    """Create empty PostgreSQL databases on demand; all are dropped at the end."""
    created: list[str] = []

    async def execute(sql: str) -> None:
        conn = await asyncpg.connect(pg_admin_url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    def run(sql: str) -> None:
        # Fixtures may be set up inside the session's running loop: use another thread.
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, execute(sql)).result()

    def make() -> str:
        name = f"b2a_test_{uuid.uuid4().hex[:10]}"
        run(f'CREATE DATABASE "{name}"')
        created.append(name)
        return _replace_db(pg_admin_url, name)

    yield make

    async def drop_all() -> None:
        # At once: one after another they took up to 27 s at the end of a loaded worker.
        drops = (execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)') for name in created)
        await asyncio.gather(*drops)

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, drop_all()).result()


@pytest.fixture(scope="session")
def pg_url(make_database: Callable[[], str]) -> str:
    return make_database()


@pytest.fixture(scope="session")
def data_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("b2a-home")


@pytest.fixture(scope="session")
def _app_home_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("app-home")


@pytest.fixture
def app_home(_app_home_root: Path) -> Path:
    """B2A_HOME of the app under test, emptied before each test.

    The same directory in every test of a worker, so equal settings let the app
    built for one test serve the next (tests/http/conftest.py).
    """
    for child in _app_home_root.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    return _app_home_root


@pytest.fixture(scope="session")
def base_env(data_home: Path, redis_url: str) -> dict[str, str]:
    """The variables every test's settings start from."""
    return {
        "B2A_HOME": str(data_home),
        "B2A_REDIS_URL": redis_url,
        "B2A_SECRET_KEY": "test-secret-key-0123456789abcdef",
        "B2A_ENCRYPTION_KEY": "3q2-7wBEqf-qvUJtkNhaEAIYbT1cT7jvf3W-NY8tBUc=",
        # argon2id at its smallest cost: a standard hash is ~100 ms of CPU, and the cast alone
        # makes three per test. Production refuses it (tests/unit/test_settings.py).
        "B2A_AUTH_PASSWORD_HASH_COST": "minimal",
    }


@pytest.fixture(scope="session", autouse=True)
def _password_hashing(base_env: dict[str, str]) -> None:
    """Hash at the tests' cost in this process, as every b2a process does at start."""
    configure_hashing(load_settings(base_env).auth)


@pytest.fixture(scope="session")
def make_settings(base_env: dict[str, str]) -> Callable[..., Settings]:
    def make(**overrides: str) -> Settings:
        return load_settings({**base_env, **overrides})

    return make


async def _migrated(url: str, base_env: dict[str, str]) -> Engine:  # type: ignore[type-arg]
    engine = create_engine(load_settings({**base_env, "B2A_DB_URL": url}).db)
    bind_engine(engine, all_tables())
    await start_pool(engine)
    await apply_pending()
    return engine


@pytest.fixture(scope="session")
async def pg_engine(pg_url: str, base_env: dict[str, str]) -> AsyncIterator[Engine]:  # type: ignore[type-arg]
    engine = await _migrated(pg_url, base_env)
    yield engine
    await close_pool(engine)


@pytest.fixture(scope="session")
async def sqlite_engine(data_home: Path, base_env: dict[str, str]) -> Engine:  # type: ignore[type-arg]
    return await _migrated(f"sqlite:///{data_home}/test.sqlite3", base_env)


# Tests leave a few rows behind: DELETE empties them in about 3 ms, where TRUNCATE of every
# table (new files for each table and index, fsynced) took 0.5 s of PostgreSQL's time per
# test. Every few hundred resets a TRUNCATE also drops the dead rows the DELETEs leave
# (autovacuum is off on this machine's PostgreSQL).
TRUNCATE_EVERY = 250
_resets: dict[int, int] = {}


async def _empty_tables(engine: Engine) -> None:  # type: ignore[type-arg]
    tables = all_tables()
    count = _resets[id(engine)] = _resets.get(id(engine), 0) + 1
    if isinstance(engine, PostgresEngine):
        if count % TRUNCATE_EVERY == 0:
            names = ", ".join(f'"{t._meta.tablename}"' for t in tables)
            await engine.run_ddl(f"TRUNCATE {names} CASCADE")
            return
        # Children first; one round trip, one transaction (asyncpg's simple protocol).
        deletes = "".join(f'DELETE FROM "{t._meta.tablename}";' for t in reversed(tables))
        async with engine.pool.acquire() as connection:
            await connection.execute(deletes)
        return
    # One connection and one transaction instead of a connection per table; no fsync for it.
    deletes = "".join(f'DELETE FROM "{t._meta.tablename}";' for t in reversed(tables))
    with contextlib.closing(sqlite3.connect(engine.path, timeout=30)) as connection:
        connection.executescript(f"PRAGMA synchronous=OFF; BEGIN; {deletes} COMMIT;")


@dataclass
class Database:
    """The engine a test runs on, and which kind it is."""

    engine: Engine  # type: ignore[type-arg]
    kind: str
    url: str


@pytest.fixture(params=["pg", "sqlite"])
def _engine_choice(request: pytest.FixtureRequest, pg_url: str, data_home: Path) -> Database:
    # Async session fixtures cannot be requested by name from inside an async fixture.
    engine = request.getfixturevalue(f"{request.param}_engine")
    if request.param == "pg":
        return Database(engine, "postgres", pg_url)
    return Database(engine, "sqlite", f"sqlite:///{data_home}/test.sqlite3")


@pytest.fixture
async def db(_engine_choice: Database) -> Database:
    """Empty, migrated tables on each engine in turn, bound for the test."""
    bind_engine(_engine_choice.engine, all_tables())
    await _empty_tables(_engine_choice.engine)
    return _engine_choice


@pytest.fixture
async def pg(pg_engine: Engine, pg_url: str) -> Database:  # type: ignore[type-arg]
    """Empty, migrated tables on PostgreSQL only."""
    bind_engine(pg_engine, all_tables())
    await _empty_tables(pg_engine)
    return Database(pg_engine, "postgres", pg_url)


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Any]:
    from redis.asyncio import Redis

    client = Redis.from_url(redis_url, decode_responses=True)
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose()


@dataclass
class Member:
    """A named user of the test cast."""

    actor: Actor
    email: str
    tenant_id: uuid.UUID


@dataclass
class Cast:
    """Two tenants: Acme (owner and agent) and Globex (owner)."""

    acme_owner: Member
    acme_agent: Member
    globex_owner: Member


async def _tenant_with_owner(name: str, email: str) -> Member:
    tenant, login = await tenants.create_tenant(
        Actor.operator("tests"), name, admin_email=email, admin_password=PASSWORD
    )
    actor = Actor(login.user_id, Role.TENANT_ADMIN, tenant.id, email)
    return Member(actor, email, tenant.id)


@pytest.fixture
async def cast(db: Database) -> Cast:
    acme_owner = await _tenant_with_owner("Acme", "owner@acme.test")
    agent = await tenants.create_user(
        acme_owner.actor, "agent@acme.test", password=PASSWORD, role=Role.STAFF
    )
    acme_agent = Member(
        Actor(agent.user_id, Role.STAFF, acme_owner.tenant_id, agent.email),
        agent.email,
        acme_owner.tenant_id,
    )
    globex_owner = await _tenant_with_owner("Globex", "owner@globex.test")
    return Cast(acme_owner, acme_agent, globex_owner)


# Longest modules first: pytest-xdist hands whole modules out in collection order, and the fault
# run, collected last, once kept one worker busy for minutes while the other sat idle (a 14-minute
# run whose last 5 minutes were that one module). Started first, it runs beside the rest.
_LONG_FIRST = ("tests/reliability/", "tests/browser/", "tests/cli/", "tests/session/")


def _start_rank(item: pytest.Item) -> int:
    path = item.nodeid
    return next((rank for rank, prefix in enumerate(_LONG_FIRST) if path.startswith(prefix)), 99)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: half as many workers again as cores (3 on 2 cores).

    A third of the suite's time is spent waiting on other processes (live
    stacks starting, the browser, the fault test's sweeps), not on a core: on
    the 2-core VM, 2 workers took 13 min 16 s and 3 took 10 min 23 s, all tests
    passing (docs/performance.md, "Test suite").
    """
    cores = os.cpu_count() or 1
    return max(2, cores + cores // 2)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_start_rank)


@pytest.fixture
def graph() -> Iterator[FakeGraphApi]:
    """The fake Graph API on a free port; a module may override it to seed numbers or media."""
    with FakeGraphApi() as fake:
        yield fake
