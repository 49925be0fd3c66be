from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2a.errors import ConfigError
from b2a.settings import (
    load_settings,
    merged_environment,
    parse_env_file,
    settings_from_environment,
)

SECRETS = {"B2A_SECRET_KEY": "s" * 40, "B2A_ENCRYPTION_KEY": "k" * 44}


def test_defaults_are_an_embedded_appliance(tmp_path):
    settings = load_settings({"B2A_HOME": str(tmp_path)})
    assert settings.db.is_sqlite
    assert settings.db.sqlite_path == tmp_path / "b2a.sqlite3"
    assert settings.redis.url == "redis://127.0.0.1:6379/0"
    assert settings.core.env == "development"


@pytest.mark.parametrize("raw", ["maybe", "2", "yess"])
def test_a_bad_boolean_names_the_variable(raw):
    with pytest.raises(ConfigError, match="B2A_DB_STATEMENT_CACHE"):
        load_settings({"B2A_DB_STATEMENT_CACHE": raw})


@given(st.sampled_from(["true", "TRUE", "1", "yes", "on", "false", "0", "no", "off", "False"]))
def test_true_and_false_spellings_parse(raw):
    expected = raw.lower() in ("true", "1", "yes", "on")
    assert load_settings({"B2A_DB_STATEMENT_CACHE": raw}).db.statement_cache is expected


def test_backups_use_the_direct_address_when_there_is_one():
    pooled = "postgresql://b2a@127.0.0.1:6432/b2a"
    direct = "postgresql://b2a@127.0.0.1:5432/b2a"
    assert load_settings({"B2A_DB_URL": pooled}).db.dump_url == pooled
    settings = load_settings({"B2A_DB_URL": pooled, "B2A_DB_DIRECT_URL": direct})
    assert settings.db.dump_url == direct and settings.db.url == pooled
    with pytest.raises(ConfigError, match="B2A_DB_DIRECT_URL"):
        load_settings({"B2A_DB_DIRECT_URL": "sqlite:///x.sqlite3"})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("B2A_DB_URL", "mysql://u@h/db"),
        ("B2A_DB_URL", "postgresql:///no-host"),
        ("B2A_REDIS_URL", "http://127.0.0.1:6379"),
        ("B2A_SERVER_PUBLIC_URL", "example.com"),
        ("B2A_SERVER_PORT", "eighty"),
        ("B2A_ENV", "staging"),
    ],
)
def test_a_bad_value_names_the_variable(name, value):
    with pytest.raises(ConfigError, match=name):
        load_settings({name: value})


def test_a_secret_can_come_from_a_file(tmp_path):
    (tmp_path / "db").write_text("postgresql://b2a:pw@db.internal:5432/b2a\n")
    settings = load_settings({"B2A_DB_URL_FILE": str(tmp_path / "db")})
    assert settings.db.url == "postgresql://b2a:pw@db.internal:5432/b2a"


def test_an_unreadable_secret_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="B2A_SECRET_KEY_FILE"):
        load_settings({"B2A_SECRET_KEY_FILE": str(tmp_path / "missing")})


def test_production_refuses_missing_secrets():
    with pytest.raises(ConfigError, match="B2A_SECRET_KEY is required"):
        load_settings({"B2A_ENV": "production"})


def test_production_refuses_placeholder_secrets():
    with pytest.raises(ConfigError, match="B2A_ENCRYPTION_KEY still holds the placeholder"):
        load_settings({"B2A_ENV": "production", **SECRETS, "B2A_ENCRYPTION_KEY": "change-me"})
    with pytest.raises(ConfigError, match="B2A_DB_URL"):
        load_settings(
            {
                "B2A_ENV": "production",
                **SECRETS,
                "B2A_DB_URL": "postgresql://b2a:change-me@localhost/b2a",
            }
        )


def test_production_starts_with_real_secrets():
    assert load_settings({"B2A_ENV": "production", **SECRETS}).core.is_production


def test_passwords_hash_at_the_standard_cost_and_production_refuses_the_tests_cost():
    assert load_settings({}).auth.password_hash_cost == "standard"
    with pytest.raises(ConfigError, match="B2A_AUTH_PASSWORD_HASH_COST=minimal"):
        load_settings(
            {"B2A_ENV": "production", **SECRETS, "B2A_AUTH_PASSWORD_HASH_COST": "minimal"}
        )


def test_env_files_read_like_systemd_environment_files():
    text = '# comment\n\nB2A_ENV=production\nB2A_LOG_LEVEL="debug"\nB2A_HOME = /var/lib/b2a\n'
    assert parse_env_file(text) == {
        "B2A_ENV": "production",
        "B2A_LOG_LEVEL": "debug",
        "B2A_HOME": "/var/lib/b2a",
    }
    with pytest.raises(ConfigError, match="line 2"):
        parse_env_file("B2A_ENV=production\nthis is not a setting\n")


def test_the_environment_overrides_the_config_file(tmp_path):
    config = tmp_path / "b2a.env"
    config.write_text("B2A_LOG_LEVEL=debug\nB2A_SERVER_PORT=9000\n")
    merged = merged_environment({"B2A_CONFIG": str(config), "B2A_SERVER_PORT": "9100"})
    settings = load_settings(merged)
    assert settings.core.log_level == "debug"
    assert settings.server.port == 9100


def test_the_data_directory_holds_the_development_config(tmp_path):
    (tmp_path / "b2a.env").write_text("B2A_LOG_LEVEL=warning\n")
    environ = {"B2A_HOME": str(tmp_path)}
    if Path("/etc/b2a/b2a.env").exists():
        pytest.skip("a production config exists on this machine")
    assert settings_from_environment(environ).core.log_level == "warning"


def test_without_sentinels_redis_is_the_url_alone():
    settings = load_settings({"B2A_REDIS_URL": "redis://127.0.0.1:6390/3"})
    assert settings.redis.sentinels == ()
    assert settings.redis.sentinel_master == "mymaster"


def test_sentinel_addresses_parse_with_default_port_and_ipv6():
    raw = " 10.0.0.1:26380, sentinel-b ,[::1]:26381,"
    settings = load_settings({"B2A_REDIS_SENTINELS": raw})
    assert settings.redis.sentinels == (("10.0.0.1", 26380), ("sentinel-b", 26379), ("::1", 26381))


@pytest.mark.parametrize("raw", ["10.0.0.1:port", "10.0.0.1:99999", "user@host:1", "host:1/x"])
def test_a_bad_sentinel_address_names_the_variable(raw):
    with pytest.raises(ConfigError, match="B2A_REDIS_SENTINELS"):
        load_settings({"B2A_REDIS_SENTINELS": raw})


def test_sentinels_refuse_a_unix_socket_url_and_say_what_to_write():
    environ = {"B2A_REDIS_SENTINELS": "127.0.0.1:26379", "B2A_REDIS_URL": "unix:///run/r.sock"}
    with pytest.raises(ConfigError, match=r"B2A_REDIS_URL=redis://:PASSWORD@MASTER-NAME/0"):
        load_settings(environ)


def test_the_sentinel_password_is_a_secret_that_may_come_from_a_file(tmp_path):
    (tmp_path / "pw").write_text("s3cret\n")
    environ = {
        "B2A_REDIS_SENTINELS": "h:1",
        "B2A_REDIS_SENTINEL_PASSWORD_FILE": str(tmp_path / "pw"),
    }
    assert load_settings(environ).redis.sentinel_password == "s3cret"
