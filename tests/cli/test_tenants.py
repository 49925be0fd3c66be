import json

import pytest

from tests.cli.helpers import b2a, operator_env


@pytest.fixture(scope="module")
def appliance(tmp_path_factory, make_database, redis_url):
    home = tmp_path_factory.mktemp("appliance")
    env = operator_env(home, make_database(), redis_url)
    assert b2a(env, "init", "--admin-email", "op@example.com").returncode == 0
    return env


def _tenants(env):
    result = b2a(env, "tenant", "list", "--json", "--all")
    assert result.returncode == 0, result.stderr
    return {t["slug"]: t for t in json.loads(result.stdout)}


def test_tenant_lifecycle_from_the_command_line(appliance):
    created = b2a(
        appliance, "tenant", "create", "Globex Print", "--admin-email", "boss@globex.test"
    )
    assert created.returncode == 0, created.stderr
    assert "admin login: boss@globex.test" in created.stdout
    assert "password (shown once" in created.stdout
    assert _tenants(appliance)["globex-print"]["status"] == "ACTIVE"

    assert b2a(appliance, "tenant", "suspend", "globex-print").returncode == 0
    assert _tenants(appliance)["globex-print"]["status"] == "SUSPENDED"
    assert b2a(appliance, "tenant", "activate", "globex-print").returncode == 0
    assert b2a(appliance, "tenant", "delete", "globex-print").returncode == 0
    assert _tenants(appliance)["globex-print"]["status"] == "DELETED"

    refused = b2a(appliance, "tenant", "delete", "globex-print", "--hard", stdin="n\n")
    assert refused.returncode != 0
    assert "globex-print" in _tenants(appliance)

    erased = b2a(appliance, "tenant", "delete", "globex-print", "--hard", stdin="y\n")
    assert erased.returncode == 0, erased.stderr
    assert "globex-print" not in _tenants(appliance)


def test_an_unknown_tenant_is_one_clear_line(appliance):
    result = b2a(appliance, "tenant", "suspend", "nope")
    assert result.returncode != 0
    assert "no tenant 'nope'" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unreachable_database_is_one_clear_line_with_the_fix(appliance):
    closed = {**appliance, "B2A_DB_URL": "postgresql://b2a@127.0.0.1:9/b2a"}
    result = b2a(closed, "tenant", "list")
    assert result.returncode == 69
    assert "nothing accepts connections on 127.0.0.1:9" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_duplicate_admin_email_is_refused(appliance):
    b2a(appliance, "tenant", "create", "One", "--admin-email", "dup@x.test")
    again = b2a(appliance, "tenant", "create", "Two", "--admin-email", "dup@x.test")
    assert again.returncode != 0
    assert "already has an account" in again.stderr


def test_user_create_and_reset_password(appliance):
    b2a(appliance, "tenant", "create", "Initech", "--admin-email", "peter@initech.test")
    made = b2a(appliance, "user", "create", "milton@initech.test", "--tenant", "initech")
    assert made.returncode == 0, made.stderr
    assert "STAFF milton@initech.test created" in made.stdout
    reset = b2a(appliance, "user", "reset-password", "milton@initech.test")
    assert reset.returncode == 0
    assert "new password (shown once)" in reset.stdout
    missing = b2a(appliance, "user", "create", "x@initech.test")
    assert missing.returncode != 0 and "--tenant" in missing.stderr


def test_reset_password_prints_a_one_time_link_instead_when_asked(appliance):
    b2a(appliance, "tenant", "create", "Hooli", "--admin-email", "gavin@hooli.test")
    made = b2a(appliance, "user", "reset-password", "gavin@hooli.test", "--link")
    assert made.returncode == 0, made.stderr
    assert "works once, for 24 hours" in made.stdout
    assert "/reset-password?token=" in made.stdout and "password (shown once)" not in made.stdout
    unknown = b2a(appliance, "user", "reset-password", "nobody@hooli.test", "--link")
    assert unknown.returncode != 0 and "no user" in unknown.stderr


def test_a_tenant_is_created_with_its_time_zone_and_currency(appliance):
    made = b2a(
        appliance, "tenant", "create", "Karachi Cakes", "--admin-email", "cakes@khi.test",
        "--time-zone", "Asia/Karachi",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "time zone Asia/Karachi, prices in PKR" in made.stdout
    chosen = b2a(
        appliance, "tenant", "create", "Dubai Dates", "--admin-email", "dates@dxb.test",
        "--time-zone", "Asia/Dubai", "--currency", "usd",
    )  # fmt: skip
    assert chosen.returncode == 0 and "prices in USD" in chosen.stdout
    refused = b2a(
        appliance, "tenant", "create", "Nowhere", "--admin-email", "no@where.test",
        "--currency", "rupees",
    )  # fmt: skip
    assert refused.returncode != 0
    assert "'rupees' is not an ISO 4217 currency code (e.g. PKR, USD, EUR)" in refused.stderr
    lost = b2a(
        appliance, "tenant", "create", "Mars", "--admin-email", "m@mars.test",
        "--time-zone", "Mars/Olympus",
    )  # fmt: skip
    assert lost.returncode != 0 and "use a name like Asia/Karachi" in lost.stderr


def test_the_table_shows_a_name_with_brackets_as_typed(appliance):
    created = b2a(appliance, "tenant", "create", "Bakes [Lahore]", "--admin-email", "b@bakes.test")
    assert created.returncode == 0, created.stderr
    listed = b2a({**appliance, "COLUMNS": "200"}, "tenant", "list")
    assert "Bakes [Lahore]" in listed.stdout
