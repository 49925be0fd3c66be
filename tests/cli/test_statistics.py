"""Planner statistics through the operator's commands: init, migrate, restore, doctor (PostgreSQL).

``b2a.db.statistics`` analyses the tables big enough to describe and leaves the small ones
never analysed (``reltuples`` -1), so that plans made while they are small still use indexes.
"""

from __future__ import annotations

import json
from pathlib import Path

import asyncpg
import pytest

from tests.cli.helpers import b2a, operator_env

CUSTOMERS = 3000  # about 40 pages: over the 10 below which a table is left alone


async def _reltuples(url: str, *tables: str) -> dict[str, float]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT relname, reltuples FROM pg_class WHERE relname = ANY($1::text[])", list(tables)
        )
    finally:
        await conn.close()
    return {row["relname"]: row["reltuples"] for row in rows}


async def _fill_customers(url: str) -> None:
    """Many customers of one new business, written behind b2a's back (no ANALYZE)."""
    conn = await asyncpg.connect(url)
    try:
        tenant = await conn.fetchval("SELECT id FROM tenant LIMIT 1")
        await conn.execute(
            "INSERT INTO customer (id, tenant, phone) SELECT gen_random_uuid(), $1, n::text"
            " FROM generate_series(1, $2) n",
            tenant,
            CUSTOMERS,
        )
    finally:
        await conn.close()


@pytest.fixture
def installed(tmp_path, make_database, redis_url):
    """`b2a init` on a new PostgreSQL database, one business, many customers never analysed."""
    env = operator_env(tmp_path / "home", make_database(), redis_url)
    init = b2a(env, "init", "--admin-email", "op@example.com")
    assert init.returncode == 0, init.stderr
    assert "planner statistics" not in init.stdout, "a fresh install has nothing to describe"
    created = b2a(env, "tenant", "create", "Acme Salon", "--admin-email", "owner@acme.test")
    assert created.returncode == 0, created.stderr
    return env


async def test_init_leaves_empty_tables_unanalysed_and_migrate_analyses_the_big_ones(installed):
    url = installed["B2A_DB_URL"]
    before = await _reltuples(url, "customer", "message")
    assert before == {"customer": -1, "message": -1}
    await _fill_customers(url)

    migrated = b2a(installed, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert "planner statistics: analysed customer" in migrated.stdout
    after = await _reltuples(url, "customer", "message")
    assert after["customer"] == pytest.approx(CUSTOMERS, rel=0.1)
    assert after["message"] == -1, "an empty table stays unknown, not 'empty'"


async def test_a_restored_database_is_analysed(installed, tmp_path, make_database):
    await _fill_customers(installed["B2A_DB_URL"])
    made = b2a(installed, "backup", "--to", str(tmp_path / "backups"))
    assert made.returncode == 0, made.stderr
    [archive] = (tmp_path / "backups").glob("b2a-backup-*.tar")
    target = {**installed, "B2A_HOME": str(tmp_path / "new"), "B2A_DB_URL": make_database()}

    restored = b2a(target, "restore", str(archive))
    assert restored.returncode == 0, restored.stderr
    after = await _reltuples(target["B2A_DB_URL"], "customer", "message")
    assert after["customer"] == pytest.approx(CUSTOMERS, rel=0.1)
    assert after["message"] == -1


def _doctor(env: dict[str, str]) -> dict[str, dict[str, str]]:
    result = b2a(env, "doctor", "--json")
    assert "Traceback" not in result.stderr
    return {c["name"]: c for c in json.loads(result.stdout)["checks"]}


async def test_doctor_tells_whether_autovacuum_runs_and_names_tables_never_analysed(installed):
    conn = await asyncpg.connect(installed["B2A_DB_URL"])
    try:
        autovacuum = await conn.fetchval("SHOW autovacuum")
    finally:
        await conn.close()
    checks = _doctor(installed)
    if autovacuum == "on":
        assert checks["autovacuum"]["level"] == "ok"
    else:
        assert checks["autovacuum"]["level"] == "warn"
        assert "autovacuum = on" in checks["autovacuum"]["fix"]
    assert "statistics" not in checks

    await _fill_customers(installed["B2A_DB_URL"])
    checks = _doctor(installed)
    assert checks["statistics"]["level"] == "warn"
    assert "(customer)" in checks["statistics"]["detail"]
    assert "b2a migrate" in checks["statistics"]["fix"]
    assert b2a(installed, "migrate").returncode == 0
    assert "statistics" not in _doctor(installed)


def test_doctor_has_no_autovacuum_line_on_sqlite(tmp_path: Path, redis_url):
    env = operator_env(tmp_path, f"sqlite:///{tmp_path}/b2a.sqlite3", redis_url)
    assert b2a(env, "init", "--admin-email", "op@example.com").returncode == 0
    checks = _doctor(env)
    assert checks["schema"]["level"] == "ok"
    assert "autovacuum" not in checks and "statistics" not in checks
