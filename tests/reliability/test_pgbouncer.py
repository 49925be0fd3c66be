"""Behind a real PgBouncer in transaction mode: migrations, the pipeline and the doctor.

The seed's pooler incident: a transaction-mode pooler lends a server connection
for one transaction at a time, so asyncpg's cached prepared statements vanish
between queries. b2a recognises such a pooler by its behaviour when a pool
starts, whatever its port or URL (b2a/db/pooler.py), and turns the cache off.
Each PgBouncer here is Debian's, on a free loopback port, with five server
connections shared by every process, so statements really hop between servers.
"""

import asyncio
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


async def test_a_cached_statement_breaks_behind_it_so_the_pool_really_multiplexes(make_database):
    with start_pgbouncer(make_database()) as pooled:
        pool = await asyncpg.create_pool(pooled, min_size=10, max_size=10)  # cache on
        try:
            results = await asyncio.gather(*(_outcome(pool, n) for n in range(200)))
        finally:
            pool.terminate()
    assert any(isinstance(r, asyncpg.InvalidSQLStatementNameError) for r in results), results


async def _outcome(pool, n):
    try:
        return await pool.fetchval("SELECT $1::int + 1", n)
    except asyncpg.PostgresError as exc:
        return exc


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


async def test_the_doctor_names_the_pooler_mode(make_database, redis_url, tmp_path):
    direct = make_database()
    for mode, level, words in (
        ("transaction", "ok", "b2a restore"),
        ("statement", "fail", "pool_mode = transaction"),
    ):
        with start_pgbouncer(direct, pool_mode=mode) as pooled:
            result = b2a(operator_env(tmp_path, pooled, redis_url), "doctor", "--json")
        pooler = next(c for c in _checks(result) if c["name"] == "pooler")
        assert pooler["level"] == level and pooler["detail"].startswith(f"{mode} mode"), pooler
        assert words in pooler["detail"] + pooler["fix"]


def _checks(result):
    return json.loads(result.stdout)["checks"]
