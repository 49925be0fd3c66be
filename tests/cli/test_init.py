import stat

import pytest

from b2a.settings import parse_env_file
from tests.cli.helpers import b2a, operator_env


@pytest.fixture(params=["postgres", "sqlite"])
def fresh_env(request, tmp_path, make_database, redis_url):
    db_url = make_database() if request.param == "postgres" else f"sqlite:///{tmp_path}/b2a.sqlite3"
    return operator_env(tmp_path, db_url, redis_url)


def test_init_twice_keeps_data(fresh_env, tmp_path):
    first = b2a(fresh_env, "init", "--admin-email", "op@example.com")
    assert first.returncode == 0, first.stderr
    assert "super admin op@example.com created" in first.stdout
    assert "password (shown once)" in first.stdout
    assert "free plan: Free" in first.stdout
    config = tmp_path / "b2a.env"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    secrets_before = parse_env_file(config.read_text())
    assert secrets_before["B2A_SECRET_KEY"] and secrets_before["B2A_ENCRYPTION_KEY"]

    created = b2a(fresh_env, "tenant", "create", "Acme Salon", "--admin-email", "owner@acme.test")
    assert created.returncode == 0, created.stderr

    second = b2a(fresh_env, "init", "--admin-email", "other@example.com")
    assert second.returncode == 0, second.stderr
    assert "super admin already exists" in second.stdout
    assert "0 migration(s) applied" in second.stdout
    assert "free plan: Free" in second.stdout
    assert parse_env_file(config.read_text()) == secrets_before
    listed = b2a(fresh_env, "tenant", "list", "--json")
    assert '"slug": "acme-salon"' in listed.stdout


def test_migrate_reports_an_up_to_date_schema(fresh_env):
    assert b2a(fresh_env, "init", "--admin-email", "op@example.com").returncode == 0
    result = b2a(fresh_env, "migrate")
    assert result.returncode == 0
    assert "schema is up to date" in result.stdout


def test_a_bad_setting_is_one_line_with_the_variable(fresh_env):
    result = b2a({**fresh_env, "B2A_DB_STATEMENT_CACHE": "maybe"}, "migrate")
    assert result.returncode != 0
    assert "B2A_DB_STATEMENT_CACHE" in result.stderr
    assert "Traceback" not in result.stderr
