import gzip
import json
from datetime import timedelta

from b2a.audit.tables import AuditEntry
from b2a.inbox.rules import Transport
from b2a.inbox.tables import Channel, Customer, InboundEvent
from b2a.lib import clock
from b2a.outbox.rules import ScheduleStatus
from b2a.outbox.tables import ScheduledMessage
from b2a.system.retention import run_retention
from b2a.tenants.scope import TenantScope


async def test_cleanup_archives_old_audit_and_removes_old_finished_schedules(
    cast, make_settings, tmp_path
):
    settings = make_settings(B2A_HOME=str(tmp_path), B2A_DB_URL="sqlite:///unused")
    now = clock.now()
    old, recent = now - timedelta(days=91), now - timedelta(days=1)
    await AuditEntry.update({AuditEntry.at: old}).where(AuditEntry.event == "tenant.created").run()
    kept_audit = await AuditEntry.count().where(AuditEntry.at > old).run()

    scope = TenantScope(cast.acme_owner.tenant_id)
    customer = scope.new(Customer, name="Ali")
    await customer.save()
    long_ago = now - timedelta(days=31)
    for status, finished in [
        (ScheduleStatus.SENT, long_ago),
        (ScheduleStatus.FAILED, long_ago),
        (ScheduleStatus.SENT, recent),
        (ScheduleStatus.PENDING, None),
        (ScheduleStatus.CANCELLED, long_ago),
    ]:
        await scope.new(
            ScheduledMessage,
            customer=customer.id,
            text="hi",
            send_at=long_ago,
            status=status,
            finished_at=finished,
        ).save()

    channel = scope.new(Channel, transport=Transport.SANDBOX)
    await channel.save()
    for key, processed in (("old", now - timedelta(days=15)), ("new", recent), ("todo", None)):
        await scope.new(
            InboundEvent, channel=channel.id, source="sandbox", dedupe_key=key,
            processed_at=processed,
        ).save()  # fmt: skip

    removed = await run_retention(settings)
    assert removed == {
        "audit_entries_archived": 2,
        "scheduled_messages_removed": 2,
        "inbound_events_removed": 1,
    }
    kept = {r["dedupe_key"] for r in await scope.select(InboundEvent, InboundEvent.dedupe_key)}
    assert kept == {"new", "todo"}
    assert await AuditEntry.count().run() == kept_audit
    assert await ScheduledMessage.count().run() == 3
    archive = next((tmp_path / "archive").glob("audit-*.jsonl.gz"))
    with gzip.open(archive, "rt") as handle:
        lines = [json.loads(line) for line in handle]
    assert {line["event"] for line in lines} == {"tenant.created"}
    assert await run_retention(settings) == {
        "audit_entries_archived": 0,
        "scheduled_messages_removed": 0,
        "inbound_events_removed": 0,
    }
