"""Retention: what `b2a cleanup` and the daily cron remove, and where it is archived."""

from __future__ import annotations

from datetime import timedelta

from b2a.audit.archive import archive_and_prune
from b2a.lib import clock
from b2a.settings import Settings


async def run_retention(settings: Settings) -> dict[str, int]:
    """Apply every retention rule once; returns how many rows each removed."""
    now = clock.now()
    audit_cutoff = now - timedelta(days=settings.retention.audit_days)
    return {
        "audit_entries_archived": await archive_and_prune(
            audit_cutoff, settings.core.home / "archive"
        ),
    }
