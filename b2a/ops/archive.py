"""The backup archive: one uncompressed tar holding the database, the files and a manifest.

Layout (docs/decisions.md, "Backups"):

- ``database.dump`` (PostgreSQL, ``pg_dump --format=custom``) or ``database.sqlite3``;
- ``files/media/…`` and ``files/archive/…``: the data home's message media, payment
  screenshots (under each tenant's media directory) and archived audit entries;
- ``manifest.json``, last: versions, the database kind, and every other member with its
  size and SHA-256, so a restore checks each byte before it changes anything.

``B2A_ENCRYPTION_KEY`` is never written: the manifest names the key only by a one-way id, so a
restore can tell whether the install it lands on holds the key the secrets need.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from dataclasses import asdict, dataclass
from pathlib import PurePosixPath
from typing import IO

from b2a.errors import Invalid

FORMAT = 1
MANIFEST = "manifest.json"
PG_DUMP = "database.dump"
SQLITE_FILE = "database.sqlite3"
FILES = "files"
DATA_DIRS = ("media", "archive")
"""Directories of the data home that a backup carries (under ``files/``)."""
KEY_NOTE = (
    "Secrets stored in the database (WhatsApp tokens, AI and Stripe keys, the SMTP password) "
    "are encrypted with B2A_ENCRYPTION_KEY, which this archive does not contain: keep the key "
    "(in the config file, /etc/b2a/b2a.env in production) safe and apart from the archive, "
    "and set the same key on the install you restore into."
)
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class ArchivedFile:
    """One member of the archive: its name, size and SHA-256 (hex)."""

    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    """What a backup is: versions, database kind, and every member with its checksum."""

    b2a_version: str
    schema_version: str
    migrations: list[str]
    database: str
    created_at: str
    files: list[ArchivedFile]
    encryption_key_ids: list[str]
    database_server: str = ""
    dump_tool: str = ""
    encryption: str = KEY_NOTE
    format: int = FORMAT

    def to_json(self) -> bytes:
        """The manifest as indented JSON."""
        return json.dumps(asdict(self), indent=2, ensure_ascii=False).encode() + b"\n"

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        """Read a manifest, refusing anything that is not one.

        Raises:
            Invalid: the bytes are not a b2a backup manifest.
        """
        try:
            data = json.loads(raw)
            files = [ArchivedFile(**f) for f in data.pop("files")]
            return cls(files=files, **data)
        except (ValueError, TypeError, KeyError, AttributeError):
            raise Invalid("this is not a b2a backup: its manifest.json is unreadable.") from None


def key_ids(keys: str) -> list[str]:
    """One-way ids of the configured encryption keys (never the keys themselves)."""
    parts = [k.strip() for k in keys.split(",") if k.strip()]
    return [hashlib.sha256(b"b2a encryption key id\0" + k.encode()).hexdigest()[:16] for k in parts]


def safe_member(name: str) -> bool:
    """Whether an archive member name stays inside the directory it is extracted to."""
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts


class HashingReader(io.RawIOBase):
    """A file read through once, hashing what it hands out (tarfile reads each byte once)."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        """Always."""
        return True

    def read(self, size: int = -1) -> bytes:
        """Read and hash."""
        data = self._handle.read(size)
        self.digest.update(data)
        return data


def add_file(
    tar: tarfile.TarFile, source: IO[bytes], name: str, size: int, mtime: float
) -> ArchivedFile:
    """Append one regular file (mode 0640) and return its manifest entry."""
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o640
    info.mtime = int(mtime)
    reader = HashingReader(source)
    tar.addfile(info, reader)
    return ArchivedFile(name, size, reader.digest.hexdigest())


def add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mtime: float) -> None:
    """Append a small file held in memory."""
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o640
    info.mtime = int(mtime)
    tar.addfile(info, io.BytesIO(data))


def copy_checked(source: IO[bytes], target: IO[bytes]) -> tuple[int, str]:
    """Copy a member out, returning its size and SHA-256."""
    digest = hashlib.sha256()
    size = 0
    while chunk := source.read(_CHUNK):
        digest.update(chunk)
        target.write(chunk)
        size += len(chunk)
    return size, digest.hexdigest()
