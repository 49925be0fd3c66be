import re

import pytest

from tests.cli.helpers import b2a, operator_env


@pytest.fixture(scope="module")
def appliance(tmp_path_factory, make_database, redis_url):
    home = tmp_path_factory.mktemp("appliance")
    env = operator_env(home, make_database(), redis_url)
    assert b2a(env, "init", "--admin-email", "op@example.com").returncode == 0
    made = b2a(env, "tenant", "create", "Acme", "--admin-email", "owner@acme.test")
    assert made.returncode == 0, made.stderr
    return env


def test_a_token_is_shown_once_listed_by_prefix_and_revoked(appliance):
    created = b2a(appliance, "token", "create", "--email", "owner@acme.test", "--name", "crm")
    assert created.returncode == 0, created.stderr
    token = re.search(r"\b(b2a_[A-Za-z0-9_-]{40,})", created.stdout).group(1)
    listed = b2a(appliance, "token", "list", "--email", "owner@acme.test")
    assert token[:12] in listed.stdout and token not in listed.stdout
    revoked = b2a(appliance, "token", "revoke", token[:12])
    assert revoked.returncode == 0 and "revoked" in revoked.stdout
    missing = b2a(appliance, "token", "revoke", "b2a_nothere")
    assert missing.returncode != 0 and "Traceback" not in missing.stderr


def test_a_super_admin_gets_a_token_for_the_admin_api(appliance):
    result = b2a(appliance, "token", "create", "--email", "op@example.com", "--name", "ops")
    assert result.returncode == 0, result.stderr
    assert re.search(r"\bb2a_[A-Za-z0-9_-]{40,}", result.stdout)
