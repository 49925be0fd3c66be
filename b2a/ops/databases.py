"""The database half of a backup: pg_dump/pg_restore for PostgreSQL, the backup API for SQLite."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
from piccolo.apps.migrations.tables import Migration

from b2a.db.engine import asyncpg_dsn
from b2a.errors import ConfigError, Unavailable
from b2a.schema.migrate import APP_NAME

_VERSION = re.compile(r"\(PostgreSQL\) (\d+)(?:\.(\d+))?")
_APPLIED = f"SELECT name FROM {Migration._meta.tablename} WHERE app_name = '{APP_NAME}'"  # noqa: S608
# Tables, views and sequences a user made; what an extension brings (pg_stat_statements'
# views) does not make a database "not empty".
_USER_RELATIONS = """
SELECT count(*) FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
  AND NOT EXISTS (
    SELECT 1 FROM pg_catalog.pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e'
  )
"""


def libpq_target(url: str) -> tuple[str, dict[str, str]]:
    """A ``--dbname`` URL without its password, and the environment that carries it.

    A password on a command line is readable by every user of the machine (``ps``).
    """
    parts = urlsplit(asyncpg_dsn(url))
    env = {**os.environ}
    netloc = parts.netloc
    if parts.password is not None:
        env["PGPASSWORD"] = parts.password
        userinfo, host = netloc.rsplit("@", 1)
        netloc = f"{userinfo.split(':', 1)[0]}@{host}"
    return parts._replace(netloc=netloc).geturl(), env


def tool(name: str, server_major: int | None = None) -> tuple[str, int]:
    """Find a PostgreSQL client tool on PATH and its major version.

    Raises:
        ConfigError: it is missing, or older than the server it must talk to.
    """
    fix = _install_fix(server_major)
    path = shutil.which(name)
    if path is None:
        raise ConfigError(f"{name} is not installed or not on PATH: {fix}, then run again.")
    output = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
    found = _VERSION.search(output)
    if found is None:
        raise ConfigError(f"{path} does not say its version ({output.strip()!r}): {fix}.")
    major = int(found.group(1))
    if server_major is not None and major < server_major:
        raise ConfigError(
            f"{name} {major} ({path}) is older than the PostgreSQL {server_major} it must work "
            f"with: {fix}, or put its bin directory first on PATH, then run again."
        )
    return path, major


def _install_fix(server_major: int | None) -> str:
    if server_major is None:
        return "install the PostgreSQL client tools (Debian: apt install postgresql-client)"
    return (
        f"install the PostgreSQL {server_major} client tools "
        f"(Debian: apt install postgresql-client-{server_major})"
    )


async def pg_facts(url: str) -> tuple[int, str, list[str], int]:
    """The server's major version and full version, applied migrations, user tables.

    Raises:
        Unavailable: the server cannot be reached.
    """
    try:
        # No statement cache: a few one-off queries, and they also pass a transaction pooler.
        conn = await asyncpg.connect(asyncpg_dsn(url), statement_cache_size=0)
    except (OSError, asyncpg.PostgresError) as exc:
        raise Unavailable(f"cannot reach PostgreSQL: {exc}", code="DB_UNAVAILABLE") from None
    try:
        number = int(await conn.fetchval("SHOW server_version_num"))
        version = str(await conn.fetchval("SHOW server_version"))
        relations = int(await conn.fetchval(_USER_RELATIONS))
        exists = await conn.fetchval("SELECT to_regclass($1)", Migration._meta.tablename)
        applied = [r["name"] for r in await conn.fetch(_APPLIED)] if exists else []
    finally:
        await conn.close()
    return number // 10000, version, sorted(applied), relations


def pg_dump(url: str, target: Path, server_major: int) -> str:
    """Dump the database in pg_dump's custom format (compressed); returns the tool's version.

    Raises:
        ConfigError: pg_dump is missing or too old.
        Unavailable: pg_dump failed (its last words are in the message).
    """
    path, major = tool("pg_dump", server_major)
    dbname, env = libpq_target(url)
    command = [path, "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"]
    _run([*command, f"--dbname={dbname}"], env, "pg_dump")
    return str(major)


def pg_restore(url: str, dump: Path, dumped_with: str) -> None:
    """Restore a custom-format dump in one transaction: all of it or nothing.

    Raises:
        ConfigError: pg_restore is missing or older than the pg_dump that wrote the dump.
        Unavailable: pg_restore failed (its last words are in the message).
    """
    path, _ = tool("pg_restore", int(dumped_with) if dumped_with.isdigit() else None)
    dbname, env = libpq_target(url)
    command = [path, "--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges"]
    _run([*command, f"--dbname={dbname}", str(dump)], env, "pg_restore")


def _run(command: list[str], env: dict[str, str], name: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        words = result.stderr.strip().splitlines()[-3:]
        raise Unavailable(f"{name} failed: {' '.join(words) or f'exit {result.returncode}'}")


def sqlite_copy(source: Path, target: Path) -> list[str]:
    """Copy a live SQLite database with its online backup API; the copy's applied migrations.

    The copy is a consistent snapshot even while the server and worker write, and a single
    file (rollback journal, no WAL beside it).

    Raises:
        Unavailable: the database file does not exist.
    """
    if not source.is_file():
        raise Unavailable(f"the SQLite database {source} does not exist: check B2A_DB_URL.")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
        return sqlite_applied(dst)
    finally:
        dst.close()
        src.close()


def sqlite_applied(conn: sqlite3.Connection) -> list[str]:
    """Applied migrations of an open SQLite database (none if it has no schema)."""
    table = Migration._meta.tablename
    found = conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (table,)).fetchone()
    return sorted(r[0] for r in conn.execute(_APPLIED)) if found else []


def sqlite_tables(path: Path) -> int:
    """How many tables a SQLite file holds (0 when it does not exist)."""
    if not path.exists() or path.stat().st_size == 0:
        return 0
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(
            conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        )
    finally:
        conn.close()
