"""Business-side changes Meta reports besides messages: what each one means for the tenant.

Template status, quality and category (``b2a.outbox.template_updates``); account
restrictions, bans, reviews, capability changes and a number's quality or
name (notices, ``b2a.inbox.account_updates``); customers' marketing
preferences (``b2a.inbox.preferences``). Each arrives as an ``update:`` event
(``service.accept_update``) and is applied here by the worker; a change b2a has
no use for (calls, flows, security, …) is kept, marked ``ignored``.

The event's ``outcome``: ``applied`` when it changed something or raised a
notice, ``orphaned`` when it is about a template or customer b2a does not
know, ``ignored`` when it means nothing here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from uuid import UUID

from b2a.db.columns import json_value
from b2a.db.transaction import atomic
from b2a.errors import NotFound
from b2a.inbox.account_updates import ANNOUNCERS
from b2a.inbox.preferences import apply_preferences
from b2a.inbox.tables import InboundEvent
from b2a.lib import clock
from b2a.outbox import template_updates
from b2a.settings import Settings
from b2a.tenants.notices import announce
from b2a.tenants.scope import TenantScope

Value = Mapping[str, Any]
Handler = Callable[[TenantScope, Value, "Settings | None"], Awaitable[str]]


async def _template_quality(scope: TenantScope, value: Value, _: Settings | None) -> str:
    return await template_updates.apply_template_quality(scope, value)


async def _template_category(scope: TenantScope, value: Value, _: Settings | None) -> str:
    return await template_updates.apply_template_category(scope, value)


async def _preferences(scope: TenantScope, value: Value, _: Settings | None) -> str:
    return await apply_preferences(scope, value)


def _notice(field: str) -> Handler:
    async def handle(scope: TenantScope, value: Value, settings: Settings | None) -> str:
        announcement = ANNOUNCERS[field](value)
        if announcement is None:
            return "ignored"
        await announce(scope, announcement, settings)
        return "applied"

    return handle


# The fields this module gives a meaning to; the others are kept and marked ignored.
HANDLERS: dict[str, Handler] = {
    "message_template_status_update": template_updates.apply_template_status,
    "message_template_quality_update": _template_quality,
    "template_category_update": _template_category,
    "user_preferences": _preferences,
    **{field: _notice(field) for field in ANNOUNCERS},
}


async def apply_update(
    scope: TenantScope, event_id: UUID, *, settings: Settings | None = None
) -> str:
    """Apply one accepted change; what came of it (the event's ``outcome``).

    ``settings`` lets notices that must reach the admins go by email too;
    without them the notice alone is raised.

    Raises:
        NotFound: the event does not exist for this tenant.
    """
    event = await scope.objects(InboundEvent).where(InboundEvent.id == event_id).first()
    if event is None:
        raise NotFound("InboundEvent not found.")
    if event.processed_at is not None:  # a job run twice: its emails went the first time
        return event.outcome
    data: dict[str, Any] = dict(json_value(event.payload))
    handler = HANDLERS.get(str(data.get("field", "")))
    value = data.get("value")
    outcome = "ignored"
    async with atomic():
        if handler is not None and isinstance(value, Mapping):
            outcome = await handler(scope, value, settings)
        event.processed_at = clock.now()
        event.outcome = outcome
        await event.save([InboundEvent.processed_at, InboundEvent.outcome])
    return outcome
