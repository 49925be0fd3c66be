"""``b2a backup``: the database, the media and payment screenshots, and a manifest, in one tar.

The database is copied first (``pg_dump``'s snapshot, or SQLite's online backup), then the
files: a file written after the snapshot is an orphan the restore carries harmlessly, and files
are written under a temporary name and renamed (``inbox/media.py``), so none is caught half
written. The archive is written as ``….tar.part`` and renamed when complete, so a crash never
leaves a file that looks like a finished backup.
"""

from __future__ import annotations

import os
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from b2a import __version__
from b2a.errors import Invalid
from b2a.lib import clock
from b2a.ops import databases
from b2a.ops.archive import (
    DATA_DIRS,
    FILES,
    MANIFEST,
    PG_DUMP,
    SQLITE_FILE,
    ArchivedFile,
    Manifest,
    add_bytes,
    add_file,
    key_ids,
)
from b2a.settings import Settings

PREFIX = "b2a-backup-"
SUFFIX = ".tar"


@dataclass(frozen=True)
class Dumped:
    """The database copy waiting to go into the archive, and what it is."""

    member: str
    path: Path
    kind: str
    migrations: list[str]
    server: str = ""
    tool: str = ""


@dataclass(frozen=True)
class BackupResult:
    """What ``make_backup`` wrote and removed."""

    path: Path
    size: int
    manifest: Manifest
    pruned: list[Path]

    @property
    def data_files(self) -> int:
        """Files of the data home in the archive (the database copy not counted)."""
        return sum(1 for f in self.manifest.files if f.path.startswith(f"{FILES}/"))


def default_target(settings: Settings) -> Path:
    """Where backups go unless told: ``$B2A_HOME/backups``."""
    return settings.core.home / "backups"


async def make_backup(settings: Settings, target_dir: Path, *, keep: int = 0) -> BackupResult:
    """Write one archive into ``target_dir``; with ``keep``, remove all but the newest ``keep``.

    Raises:
        ConfigError: pg_dump is missing or older than the server.
        Unavailable: the database cannot be read.
        Invalid: the database has no b2a schema (nothing to back up).
    """
    target_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    created = clock.now()
    with tempfile.TemporaryDirectory(dir=target_dir, prefix=".b2a-backup-") as work:
        dumped = await _dump_database(settings, Path(work))
        path = _archive_path(target_dir, created)
        manifest = _write_archive(settings, dumped, path, created)
    pruned = prune(target_dir, keep) if keep > 0 else []
    return BackupResult(path, path.stat().st_size, manifest, pruned)


async def _dump_database(settings: Settings, work: Path) -> Dumped:
    if settings.db.is_sqlite:
        path = work / SQLITE_FILE
        applied = databases.sqlite_copy(settings.db.sqlite_path, path)
        _require_schema(applied)
        return Dumped(SQLITE_FILE, path, "sqlite", applied)
    major, version, applied, _ = await databases.pg_facts(settings.db.dump_url)
    _require_schema(applied)
    path = work / PG_DUMP
    tool = databases.pg_dump(settings.db.dump_url, path, major)
    return Dumped(PG_DUMP, path, "postgresql", applied, server=version, tool=tool)


def _require_schema(applied: list[str]) -> None:
    if not applied:
        raise Invalid(
            "the database has no b2a schema, so there is nothing to back up: "
            "check B2A_DB_URL (or run `b2a init` on a new install)."
        )


def _archive_path(target_dir: Path, created: datetime) -> Path:
    stem = f"{PREFIX}{created:%Y%m%dT%H%M%SZ}"
    path = target_dir / f"{stem}{SUFFIX}"
    number = 1
    while path.exists() or path.with_name(path.name + ".part").exists():
        number += 1
        path = target_dir / f"{stem}-{number}{SUFFIX}"
    return path


def _write_archive(settings: Settings, dumped: Dumped, path: Path, created: datetime) -> Manifest:
    partial = path.with_name(path.name + ".part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
                files = [_add_path(tar, dumped.path, dumped.member)]
                files += _add_data_files(tar, settings.core.home)
                manifest = _manifest(settings, dumped, files, created)
                add_bytes(tar, MANIFEST, manifest.to_json(), created.timestamp())
            raw.flush()
            os.fsync(raw.fileno())
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(path)
    return manifest


def _add_data_files(tar: tarfile.TarFile, home: Path) -> list[ArchivedFile]:
    """Every finished file under the data directories a backup carries, in a stable order."""
    added = []
    for folder in DATA_DIRS:
        root = home / folder
        for file in sorted(root.rglob("*")) if root.is_dir() else []:
            if file.is_symlink() or not file.is_file() or file.name.endswith(".part"):
                continue
            name = f"{FILES}/{folder}/{file.relative_to(root).as_posix()}"
            try:
                added.append(_add_path(tar, file, name))
            except FileNotFoundError:  # removed since the listing (a deleted message's file)
                continue
    return added


def _add_path(tar: tarfile.TarFile, path: Path, name: str) -> ArchivedFile:
    with path.open("rb") as handle:
        stat = os.fstat(handle.fileno())
        return add_file(tar, handle, name, stat.st_size, stat.st_mtime)


def _manifest(
    settings: Settings, dumped: Dumped, files: list[ArchivedFile], created: datetime
) -> Manifest:
    return Manifest(
        b2a_version=__version__,
        schema_version=dumped.migrations[-1],
        migrations=dumped.migrations,
        database=dumped.kind,
        created_at=created.isoformat(),
        files=files,
        encryption_key_ids=key_ids(settings.core.encryption_key),
        database_server=dumped.server,
        dump_tool=dumped.tool,
    )


def prune(target_dir: Path, keep: int) -> list[Path]:
    """Remove all but the newest ``keep`` archives in ``target_dir``; returns those removed."""
    archives = sorted(
        target_dir.glob(f"{PREFIX}*{SUFFIX}"), key=lambda p: (p.stat().st_mtime, p.name)
    )
    removed = archives[:-keep] if keep > 0 else []
    for path in removed:
        path.unlink(missing_ok=True)
    return removed
