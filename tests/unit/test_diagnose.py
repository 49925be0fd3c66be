import socket

from asyncpg.exceptions import InvalidCatalogNameError, InvalidPasswordError

from b2a.db.diagnose import diagnose_database_error, safe_url
from b2a.db.engine import asyncpg_dsn, create_engine, uses_transaction_pooler
from b2a.settings import load_settings

SUPABASE_DIRECT = "postgresql://postgres:secret@db.abcdefghijkl.supabase.co:5432/postgres"
SUPAVISOR = "postgresql://postgres.abc:secret@aws-0-eu-central-1.pooler.supabase.com:6543/postgres"


def test_supabase_direct_host_is_diagnosed_as_ipv6_only():
    detail, fix = diagnose_database_error(OSError(101, "Network is unreachable"), SUPABASE_DIRECT)
    assert "IPv6" in detail
    assert "pooler" in fix


def test_wrong_password_and_missing_database_are_named():
    detail, fix = diagnose_database_error(InvalidPasswordError("x"), SUPABASE_DIRECT)
    assert "password" in detail and "B2A_DB_URL" in fix
    detail, fix = diagnose_database_error(InvalidCatalogNameError("x"), "postgresql://b2a@h/shop")
    assert "'shop' does not exist" in detail and "createdb" in fix


def test_an_unresolvable_host_is_named():
    detail, _ = diagnose_database_error(
        socket.gaierror(-2, "Name unknown"), "postgresql://u@nohost/x"
    )
    assert "does not resolve" in detail


def test_a_transaction_pooler_disables_the_statement_cache():
    assert uses_transaction_pooler(SUPAVISOR)
    assert uses_transaction_pooler("postgresql://u@h:5432/db?pgbouncer=true")
    assert not uses_transaction_pooler("postgresql://u@h:5432/db")
    engine = create_engine(load_settings({"B2A_DB_URL": SUPAVISOR}).db)
    assert engine.config["statement_cache_size"] == 0
    assert "pgbouncer" not in asyncpg_dsn("postgresql://u@h:6543/db?pgbouncer=true")


def test_passwords_never_appear_in_printed_urls():
    assert "secret" not in safe_url(SUPABASE_DIRECT)
