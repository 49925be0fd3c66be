"""``b2a user`` and ``b2a init`` refuse a password that is easy to guess, saying why."""

import pytest

from tests.cli.helpers import b2a, operator_env


@pytest.fixture(scope="module")
def appliance(tmp_path_factory, make_database, redis_url):
    home = tmp_path_factory.mktemp("appliance")
    env = operator_env(home, make_database(), redis_url)
    refused = b2a(env, "init", "--admin-email", "op@example.com", "--admin-password", "password1")
    assert refused.returncode != 0
    assert "passwords need at least 10 characters" in refused.stderr
    listed = b2a(env, "init", "--admin-email", "op@example.com", "--admin-password", "1234567890")
    assert listed.returncode != 0 and "one of the 10,000 most used" in listed.stderr
    assert "Traceback" not in listed.stderr
    assert b2a(env, "init", "--admin-email", "op@example.com").returncode == 0
    return env


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("aaaaaaaaaaaa", "one character repeated is easy to guess"),
        ("passwordpassword", "one word or pattern repeated is easy to guess"),
        ("Staff.Member2024", "made from your email address"),
        ("qwertyuiop", "one of the 10,000 most used"),
    ],
)
def test_user_create_refuses_an_easy_password_and_says_why(appliance, password, reason):
    result = b2a(
        appliance,
        "user",
        "create",
        "staff.member@example.com",
        "--role",
        "SUPER_ADMIN",
        "--password",
        password,
    )
    assert result.returncode != 0
    assert reason in result.stderr and "Traceback" not in result.stderr


def test_a_reset_to_an_easy_password_is_refused_and_a_good_one_kept(appliance):
    weak = b2a(
        appliance, "user", "reset-password", "op@example.com", "--password", "op@example.com"
    )
    assert weak.returncode != 0 and "made from your email address" in weak.stderr
    good = b2a(
        appliance,
        "user",
        "reset-password",
        "op@example.com",
        "--password",
        "a long operator passphrase",
    )
    assert good.returncode == 0, good.stderr
