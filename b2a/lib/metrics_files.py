"""The host's shared metrics directory: made ready at each process start, read under a lock.

``prometheus_client`` writes one file per process and metric type
(``counter_<pid>.db``) and sums them when scraped. Deleting a dead process's
counters would make the host's totals fall, which Prometheus reads as a reset
(a false spike in every ``rate``); keeping them forever would add files at each
restart. So each starting process folds the counters and histograms of
processes that have ended into one ``<type>_archive.db`` and deletes their
gauge files (the library's ``mark_process_dead``), under an exclusive lock; a
scrape holds the same lock shared, so it never sees a file both folded and kept.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

LOCK = ".lock"
ARCHIVE = "archive"
FOLDED = ("counter", "histogram")


@contextlib.contextmanager
def locked(directory: Path, *, shared: bool) -> Iterator[None]:
    """Hold the directory's lock: shared to read it, exclusive to fold files."""
    with open(directory / LOCK, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def prepare(directory: Path) -> None:
    """Create the directory and fold the files of processes that have ended."""
    directory.mkdir(parents=True, exist_ok=True)
    with locked(directory, shared=False):
        for path in directory.glob("*.db"):
            kind, pid = _owner(path)
            if pid is None or _alive(pid):
                continue
            if kind in FOLDED:
                _fold(path, directory / f"{kind}_{ARCHIVE}.db")
            path.unlink()


def _owner(path: Path) -> tuple[str, int | None]:
    """The metric type and process id a file belongs to (None for the archive)."""
    kind, _, rest = path.stem.partition("_")
    pid = rest.rpartition("_")[2]
    return kind, int(pid) if pid.isdigit() else None


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive, and not ours to judge
    return True


def _fold(source: Path, archive: Path) -> None:
    """Add every value of ``source`` into ``archive`` (counts and bucket counts add up)."""
    from prometheus_client.mmap_dict import MmapedDict

    target = MmapedDict(str(archive))
    try:
        for key, value, _timestamp, _pos in MmapedDict.read_all_values_from_file(str(source)):
            current, _ = target.read_value(key)
            target.write_value(key, current + value, 0.0)
    finally:
        target.close()
