"""Behind a real PgBouncer in transaction mode: migrations, the pipeline and the doctor.

The seed's pooler incident: a transaction-mode pooler lends a server connection
for one transaction at a time, so asyncpg's cached prepared statements vanish
between queries. b2a recognises such a pooler by its behaviour when a pool
starts, whatever its port or URL (b2a/db/pooler.py), and turns the cache off.
Each PgBouncer here is Debian's, on a free loopback port, with five server
connections shared by every process, so statements really hop between servers.
"""

import json
from collections import Counter

import asyncpg
import pytest

from b2a.db.pooler import Pooling, detect_pooling
from bench import harness
from tests.cli.helpers import b2a, operator_env
from tests.services import start_pgbouncer

pytestmark = pytest.mark.slow  # starts PgBouncer, and b2a serve and b2a worker

MESSAGES = 100


@pytest.mark.parametrize("mode", ["transaction", "session", "statement"])
async def test_it_recognises_each_pooling_mode(make_database, mode):
    direct = make_database()
    with start_pgbouncer(direct, pool_mode=mode) as pooled:
        assert await detect_pooling(pooled) == Pooling(mode)
    assert await detect_pooling(direct) is Pooling.NONE


async def test_behind_it_a_cached_statement_is_gone_once_its_server_is_busy(make_database):
    """The control: what the cache (asyncpg's default) meets behind a transaction pooler."""
    with start_pgbouncer(make_database()) as pooled:
        client = await asyncpg.connect(pooled)  # statement cache on
        holders: list[asyncpg.Connection] = []
        try:
            statement = "SELECT pg_backend_pid() + $1::int"
            server = await client.fetchval(statement, 0)  # prepared there, and cached
            for _ in range(5):  # PgBouncer has five server connections: one of these gets it
                holders.append(await asyncpg.connect(pooled, statement_cache_size=0))
                await holders[-1].execute("BEGIN")
                if await holders[-1].fetchval("SELECT pg_backend_pid()") == server:
                    break
            for other in holders[:-1]:
                await other.execute("COMMIT")
            with pytest.raises(asyncpg.InvalidSQLStatementNameError, match="does not exist"):
                await client.fetchval(statement, 0)  # on another server connection
        finally:
            for connection in [client, *holders]:
                await connection.close()


async def test_migrations_and_the_pipeline_run_through_it_each_message_once(
    make_database, redis_url, redis, tmp_path
):
    direct = make_database()
    with start_pgbouncer(direct) as pooled:
        env = {**harness.base_env(tmp_path / "home", pooled, redis_url), "B2A_LOG_LEVEL": "info"}
        migrate = b2a(env, "migrate")
        assert migrate.returncode == 0, migrate.stdout + migrate.stderr
        assert "applied" in migrate.stdout
        with harness.running_stack(env, tmp_path / "logs") as stack:
            stack.start_graph()
            _, channel_id = await harness.prepare_tenant(env, stack.graph_url, assistant=True)
            stack.start("serve")
            stack.start("worker")
            drive = await harness.drive(stack.base_url, channel_id, rate=50, count=MESSAGES)
            outcome = await harness.settle(direct, expected=MESSAGES, replies=MESSAGES, timeout=120)
            sent = Counter(send["to"] for send in harness.sends(stack.graph_url))
            servers = await harness.postgres_backends(direct)
    logs = {name: (tmp_path / "logs" / f"{name}.log").read_text() for name in ("serve", "worker")}

    assert drive.rejected == 0 and len(drive.wamids) == MESSAGES, drive.rejected
    assert sorted(outcome.inbound_by_wamid) == sorted(drive.wamids.values()), "none lost"
    assert set(outcome.inbound_by_wamid.values()) == {1}, "each stored exactly once"
    assert outcome.unprocessed_events == 0 and outcome.unsettled_sends == 0, outcome
    assert outcome.outbound == MESSAGES and not outcome.dead, outcome
    assert set(sent) == set(drive.wamids) and set(sent.values()) == {1}, "each answered once"
    assert len(servers) <= 5, servers  # every process shared PgBouncer's five server connections
    for name, log in logs.items():
        assert "prepared-statement cache off" in log, name  # found by itself: no URL hint
        assert "does not exist" not in log and "Traceback" not in log, log[-3000:]


async def test_the_doctor_names_the_pooler_mode_and_what_needs_postgresql_itself(
    make_database, redis_url, tmp_path
):
    direct = make_database()
    env = operator_env(tmp_path, direct, redis_url)
    with start_pgbouncer(direct) as pooled:
        alone = _pooler(b2a({**env, "B2A_DB_URL": pooled}, "doctor", "--json"))
        paired = {**env, "B2A_DB_URL": pooled, "B2A_DB_DIRECT_URL": direct}
        with_direct = _pooler(b2a(paired, "doctor", "--json"))
    with start_pgbouncer(direct, pool_mode="statement") as pooled:
        statement = _pooler(b2a({**env, "B2A_DB_URL": pooled}, "doctor", "--json"))

    assert alone["level"] == "warn" and alone["detail"].startswith("transaction mode"), alone
    assert "cache off" in alone["detail"] and "B2A_DB_DIRECT_URL" in alone["fix"]
    assert with_direct["level"] == "ok", with_direct
    assert with_direct["detail"].endswith("`b2a restore` use B2A_DB_DIRECT_URL")
    assert statement["level"] == "fail" and "pool_mode = transaction" in statement["fix"]


async def test_a_restore_through_it_is_refused_until_given_postgresql_itself(
    make_database, redis_url, tmp_path
):
    source, target = make_database(), make_database()
    with start_pgbouncer(source) as pooled:
        env = {
            **operator_env(tmp_path / "a", _same(pooled, source), redis_url),
            "B2A_DB_DIRECT_URL": source,
        }
        assert b2a(env, "init", "--admin-email", "op@example.com").returncode == 0
        backup = b2a(env, "backup", "--to", str(tmp_path / "backups"))
        assert backup.returncode == 0, backup.stdout + backup.stderr
        archive = str(next((tmp_path / "backups").glob("b2a-backup-*")))
        env = operator_env(tmp_path / "b", _same(pooled, target), redis_url)
        refused = b2a(env, "restore", archive)
        restored = b2a({**env, "B2A_DB_DIRECT_URL": target}, "restore", archive)
        paths = await _search_paths(_same(pooled, target))

    assert refused.returncode == 78 and "B2A_DB_DIRECT_URL" in refused.stderr, refused.stderr
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert set(paths) == {'"$user", public'}, "pg_restore's empty search_path stayed behind"


def _same(pooled, direct):
    """The pooler's URL for the database ``direct`` names."""
    return pooled.rsplit("/", 1)[0] + "/" + direct.rsplit("/", 1)[1]


async def _search_paths(url):
    """The search_path of each of PgBouncer's five server connections, held at once."""
    connections = [await asyncpg.connect(url, statement_cache_size=0) for _ in range(5)]
    try:
        for connection in connections:
            await connection.execute("BEGIN")
        return [await c.fetchval("SELECT current_setting('search_path')") for c in connections]
    finally:
        for connection in connections:
            await connection.close()


def _pooler(result):
    return next(c for c in json.loads(result.stdout)["checks"] if c["name"] == "pooler")
