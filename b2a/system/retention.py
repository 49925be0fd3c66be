"""Retention: what `b2a cleanup` and the daily cron remove, and where it is archived."""

from __future__ import annotations

from datetime import datetime, timedelta

from b2a.audit.archive import archive_and_prune
from b2a.inbox.tables import InboundEvent
from b2a.lib import clock
from b2a.outbox.rules import ScheduleStatus
from b2a.outbox.tables import ScheduledMessage
from b2a.settings import Settings


async def run_retention(settings: Settings) -> dict[str, int]:
    """Apply every retention rule once; returns how many rows each removed."""
    now = clock.now()
    audit_cutoff = now - timedelta(days=settings.retention.audit_days)
    return {
        "audit_entries_archived": await archive_and_prune(
            audit_cutoff, settings.core.home / "archive"
        ),
        "scheduled_messages_removed": await _prune_scheduled(
            now - timedelta(days=settings.retention.scheduled_days)
        ),
        "inbound_events_removed": await _prune_inbound_events(
            now - timedelta(days=settings.retention.inbound_event_days)
        ),
    }


async def _prune_scheduled(before: datetime) -> int:
    """Sent and failed scheduled messages finished before ``before`` (all tenants)."""
    finished = ScheduledMessage.status.is_in([ScheduleStatus.SENT, ScheduleStatus.FAILED]) & (
        ScheduledMessage.finished_at < before
    )
    doomed = await ScheduledMessage.count().where(finished).run()
    if doomed:
        await ScheduledMessage.delete().where(finished).run()
    return int(doomed)


async def _prune_inbound_events(before: datetime) -> int:
    """Raw events processed before ``before`` (all tenants).

    They hold customers' messages as WhatsApp sent them and exist to catch
    redeliveries; Meta gives up after seven days, and a later copy is still
    caught by the message's own unique WhatsApp id.
    """
    done = InboundEvent.processed_at.is_not_null() & (InboundEvent.processed_at < before)
    doomed = await InboundEvent.count().where(done).run()
    if doomed:
        await InboundEvent.delete().where(done).run()
    return int(doomed)
