"""Archiving audit entries before retention removes them from the database."""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from pathlib import Path

from b2a.audit.tables import AuditEntry

BATCH = 1000


def _line(row: dict[str, object]) -> str:
    return json.dumps(
        {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()},
        default=str,
    )


async def archive_and_prune(before: datetime, archive_dir: Path) -> int:
    """Append entries older than ``before`` to a gzip JSON-lines file, then delete them.

    Deletion happens batch by batch only after the batch is written, so a crash
    can at worst archive a batch twice, never lose it.
    """
    archive_dir.mkdir(parents=True, exist_ok=True)
    path = archive_dir / f"audit-until-{before:%Y-%m-%d}.jsonl.gz"
    total = 0
    while True:
        rows = (
            await AuditEntry.select()
            .where(AuditEntry.at < before)
            .order_by(AuditEntry.at)
            .limit(BATCH)
            .output(load_json=True)
            .run()
        )
        if not rows:
            return total
        with gzip.open(path, "at", encoding="utf-8") as handle:
            handle.writelines(_line(row) + "\n" for row in rows)
        await AuditEntry.delete().where(AuditEntry.id.is_in([row["id"] for row in rows])).run()
        total += len(rows)
