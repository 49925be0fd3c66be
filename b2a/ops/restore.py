"""``b2a restore``: an archive back into an empty database and data home, checked first.

Order, so that a refusal changes nothing:

1. read the manifest; refuse a schema this b2a does not know (upgrade b2a first) and an
   archive of the other kind of database;
2. refuse a database that holds any table, and a data home that holds media or archives;
3. extract every member to a staging directory, checking each size and SHA-256 against the
   manifest (and that nothing is missing or added);
4. restore the database (``pg_restore`` in one transaction, or the SQLite file moved into
   place), then move the files into the data home;
5. apply the migrations this b2a has and the archive lacks, and ANALYZE the tables big
   enough to describe (``b2a.db.statistics``).
"""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from b2a import __version__
from b2a.db.engine import asyncpg_dsn, bind_engine, close_pool, create_engine, start_pool
from b2a.db.pooler import Pooling, detect_pooling
from b2a.db.statistics import refresh_statistics
from b2a.errors import ConfigError, Conflict, Invalid, NotFound
from b2a.ops import databases
from b2a.ops.archive import (
    DATA_DIRS,
    FILES,
    FORMAT,
    MANIFEST,
    PG_DUMP,
    SQLITE_FILE,
    Manifest,
    copy_checked,
    key_ids,
    safe_member,
)
from b2a.schema.migrate import apply_pending, migration_ids
from b2a.schema.tables import all_tables
from b2a.settings import Settings

_DAMAGED = "the archive is damaged or was changed after it was made; nothing was restored"


@dataclass(frozen=True)
class RestoreResult:
    """What ``restore_backup`` put back."""

    manifest: Manifest
    files: int
    migrations_applied: list[str]
    key_matches: bool


async def restore_backup(settings: Settings, archive: Path) -> RestoreResult:
    """Restore ``archive`` into the configured, empty database and data home.

    Raises:
        NotFound: there is no such file.
        Invalid: it is not a b2a backup, is damaged, or holds the other kind of database.
        Conflict: its schema is newer than this b2a knows, or the database or data home
            already hold data.
        ConfigError: pg_restore is missing or too old, or the database is reached through a
            transaction-mode pooler.
    """
    home = settings.core.home
    with _opened(archive) as tar:
        manifest = _read_manifest(tar)
        _refuse_unknown_schema(manifest)
        _refuse_other_kind(manifest, settings)
        await _refuse_pooler(settings)
        await _refuse_non_empty(settings)
        home.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=home, prefix=".b2a-restore-") as work:
            _extract_checked(tar, manifest, Path(work))
            _restore_database(settings, manifest, Path(work))
            files = _move_files(Path(work) / FILES, home)
    applied = await _migrate(settings)
    matches = bool(set(manifest.encryption_key_ids) & set(key_ids(settings.core.encryption_key)))
    return RestoreResult(manifest, files, applied, matches)


@contextmanager
def _opened(archive: Path) -> Iterator[tarfile.TarFile]:
    if not archive.is_file():
        raise NotFound(f"there is no backup archive at {archive}.")
    try:
        with tarfile.open(archive, mode="r:") as tar:
            tar.getmembers()  # reads every header now: a cut-short file fails here
            yield tar
    except (tarfile.TarError, EOFError):
        raise Invalid(f"{archive} is not a b2a backup, or it was cut short: {_DAMAGED}.") from None


def _read_manifest(tar: tarfile.TarFile) -> Manifest:
    try:
        member = tar.getmember(MANIFEST)
    except KeyError:
        raise Invalid(
            f"the archive has no {MANIFEST}: it is not a b2a backup, or it was cut short."
        ) from None
    handle = tar.extractfile(member)
    if handle is None:
        raise Invalid(f"the archive's {MANIFEST} is not a file: {_DAMAGED}.")
    manifest = Manifest.from_json(handle.read())
    if manifest.format > FORMAT:
        raise Conflict(
            f"this backup was made by b2a {manifest.b2a_version} in a newer archive format: "
            f"upgrade b2a (this is {__version__}) first, then restore.",
            code="BACKUP_TOO_NEW",
        )
    return manifest


def _refuse_unknown_schema(manifest: Manifest) -> None:
    """Refuse an archive whose schema has migrations this b2a does not ship.

    Raises:
        Conflict: the archive's schema is newer than this install knows.
    """
    known = migration_ids()
    unknown = [m for m in [*manifest.migrations, manifest.schema_version] if m not in known]
    if unknown:
        raise Conflict(
            f"this backup's schema is {manifest.schema_version} (made by b2a "
            f"{manifest.b2a_version}), newer than this b2a {__version__} knows (its latest is "
            f"{known[-1]}): upgrade b2a to {manifest.b2a_version} or later first, then restore.",
            code="BACKUP_SCHEMA_NEWER",
        )


def _refuse_other_kind(manifest: Manifest, settings: Settings) -> None:
    here = "sqlite" if settings.db.is_sqlite else "postgresql"
    if manifest.database != here:
        names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
        theirs = names.get(manifest.database, manifest.database)
        raise Invalid(
            f"this backup holds a {theirs} database but B2A_DB_URL names {names[here]}: "
            f"set B2A_DB_URL to an empty {theirs} database and run the restore again."
        )


async def _refuse_pooler(settings: Settings) -> None:
    """Refuse to run pg_restore through a transaction-mode pooler.

    pg_restore empties its session's search_path; through such a pooler that
    setting stays on a pooled server connection, and b2a's next query there
    fails with "relation … does not exist" (tests/reliability/test_pgbouncer.py).

    Raises:
        ConfigError: the database is reached through a transaction- or statement-mode pooler.
    """
    if settings.db.is_sqlite:
        return
    mode = await detect_pooling(asyncpg_dsn(settings.db.dump_url))
    if mode in (Pooling.TRANSACTION, Pooling.STATEMENT):
        name = "B2A_DB_DIRECT_URL" if settings.db.direct_url else "B2A_DB_URL"
        raise ConfigError(
            f"{name} reaches PostgreSQL through a {mode}-mode pooler, which would keep "
            "pg_restore's session settings for b2a's next queries: set B2A_DB_DIRECT_URL to "
            "PostgreSQL's own address (its host and port, same database) and run the restore again."
        )


async def _refuse_non_empty(settings: Settings) -> None:
    if settings.db.is_sqlite:
        path = settings.db.sqlite_path
        tables = databases.sqlite_tables(path)
        fix = f"move {path} away, or set B2A_DB_URL to a new file"
    else:
        _, _, _, tables = await databases.pg_facts(settings.db.dump_url)
        fix = (
            "create an empty one (sudo -u postgres createdb -O b2a NAME) and point B2A_DB_URL "
            "at it, or drop and re-create this one if nothing in it is needed"
        )
    if tables:
        raise Conflict(
            f"the database already holds {tables} tables: b2a restores only into an empty "
            f"database, so that nothing is overwritten; {fix}.",
            code="RESTORE_TARGET_NOT_EMPTY",
        )
    for folder in DATA_DIRS:
        root = settings.core.home / folder
        if root.is_dir() and any(p.is_file() for p in root.rglob("*")):
            raise Conflict(
                f"{root} already holds files: b2a restores only into an empty data home; "
                "move it away, or set B2A_HOME to a new directory.",
                code="RESTORE_TARGET_NOT_EMPTY",
            )


def _extract_checked(tar: tarfile.TarFile, manifest: Manifest, work: Path) -> None:
    expected = {f.path: f for f in manifest.files}
    if not {PG_DUMP, SQLITE_FILE} & expected.keys():
        raise Invalid(f"the archive's manifest lists no database: {_DAMAGED}.")
    seen: set[str] = set()
    for member in tar.getmembers():
        if member.name == MANIFEST:
            continue
        entry = expected.get(member.name)
        if entry is None or member.name in seen or not member.isfile():
            raise Invalid(f"the archive holds {member.name!r}, not in its manifest: {_DAMAGED}.")
        if not safe_member(member.name):
            raise Invalid(f"the archive names a file outside it ({member.name!r}): {_DAMAGED}.")
        size, digest = _extract(tar, member, work / member.name)
        if (size, digest) != (entry.size, entry.sha256):
            raise Invalid(f"{member.name} does not match its checksum in the manifest: {_DAMAGED}.")
        seen.add(member.name)
    missing = sorted(expected.keys() - seen)
    if missing:
        raise Invalid(f"the archive lacks {len(missing)} file(s) its manifest lists, such as "
                      f"{missing[0]}: {_DAMAGED}.")  # fmt: skip


def _extract(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path) -> tuple[int, str]:
    source = tar.extractfile(member)
    if source is None:
        raise Invalid(f"the archive's {member.name!r} is not a file: {_DAMAGED}.")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    with source, os.fdopen(fd, "wb") as dst:
        return copy_checked(source, dst)


def _restore_database(settings: Settings, manifest: Manifest, work: Path) -> None:
    if manifest.database == "postgresql":
        databases.pg_restore(settings.db.dump_url, work / PG_DUMP, manifest.dump_tool)
        return
    path = settings.db.sqlite_path
    path.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)  # an empty file (checked above) and its journal
    shutil.move(work / SQLITE_FILE, path)
    os.chmod(path, 0o600)


def _move_files(staged: Path, home: Path) -> int:
    count = 0
    for folder in DATA_DIRS:
        source = staged / folder
        if not source.is_dir():
            continue
        count += sum(1 for p in source.rglob("*") if p.is_file())
        target = home / folder
        if target.exists():
            shutil.rmtree(target)  # holds no file (checked above), only empty directories
        shutil.move(source, target)
    return count


async def _migrate(settings: Settings) -> list[str]:
    """Bring the restored schema up to this b2a's, then give the planner fresh statistics."""
    engine = create_engine(settings.db, "restore")
    bind_engine(engine, all_tables())
    await start_pool(engine)
    try:
        applied = await apply_pending()
        await refresh_statistics()
        return applied
    finally:
        await close_pool(engine)
