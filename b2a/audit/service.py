"""Writing and pruning the audit log."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from b2a.audit.tables import AuditEntry
from b2a.tenants.actor import Actor


async def record(actor: Actor, event: str, *, tenant_id: UUID | None = None, **detail: Any) -> None:
    """Append one event; ``tenant_id`` defaults to the actor's tenant."""
    await AuditEntry.insert(
        AuditEntry(
            tenant=tenant_id or actor.tenant_id,
            actor=actor.user_id,
            actor_label=actor.label,
            event=event,
            ip=actor.ip,
            detail=detail,
        )
    ).run()


async def record_visitor(
    event: str, *, ip: str, label: str, tenant_id: UUID | None = None, **detail: Any
) -> None:
    """Append one event caused by someone not logged in (a failed login, a sign-up)."""
    await AuditEntry.insert(
        AuditEntry(
            tenant=tenant_id, actor=None, actor_label=label[:254], event=event, ip=ip, detail=detail
        )
    ).run()
