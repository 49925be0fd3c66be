"""``/api/v1/admin/events``: the dead letters of every tenant, to retry or discard."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, get, post
from litestar.params import FromPath

from b2a.inbox import recovery
from b2a.inbox.recovery import DeadEvent
from b2a.server.params import ActorDep
from b2a.tenants.rules import Area


class AdminEventController(Controller):
    """Super admins only (``Area.ADMIN`` in the API guard)."""

    path = "/admin/events"
    tags = ["admin"]
    opt = {"area": Area.ADMIN}

    @get(summary="Events given up on after their attempts, newest first")
    async def list_dead(self, actor: ActorDep) -> list[DeadEvent]:
        """Tenant, kind, when, attempts, the last error and what the event was about."""
        return await recovery.list_dead_events(actor)

    @post(
        "/{event_id:uuid}/retry",
        summary="Give a dead event its attempts again and queue it",
        status_code=204,
    )
    async def retry(self, actor: ActorDep, event_id: FromPath[UUID]) -> None:
        """409 when the event is no longer dead (retried or discarded already). Audited."""
        await recovery.retry_event(actor, event_id)

    @post("/{event_id:uuid}/discard", summary="Give up on a dead event for good", status_code=204)
    async def discard(self, actor: ActorDep, event_id: FromPath[UUID]) -> None:
        """It stays stored, marked processed with outcome "discarded". Audited."""
        await recovery.discard_event(actor, event_id)
