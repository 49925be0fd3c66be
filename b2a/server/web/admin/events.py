"""Dead letters: events b2a gave up on after their attempts, with Retry and Discard."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Response, get, post
from litestar.params import FromPath

from b2a.errors import B2AError
from b2a.inbox import recovery
from b2a.server.flash import flash
from b2a.server.web._pages import current_actor, page, redirect
from b2a.server.web.admin._common import ADMIN, AnyRequest
from b2a.tenants.service import list_tenants

PAGE = "/admin/events"


@get(PAGE, opt=ADMIN, name="admin-events")
async def events_page(request: AnyRequest) -> Response[Any]:
    """Every dead event, newest first, with what went wrong and its payload in a line."""
    actor = await current_actor(request)
    tenants = {t.id: t.name for t in await list_tenants(include_deleted=True)}
    dead = await recovery.list_dead_events(actor)
    return await page(request, "admin/events.html", events=dead, tenant_names=tenants)


@post(f"{PAGE}/{{event_id:uuid}}/retry", opt=ADMIN)
async def retry(request: AnyRequest, event_id: FromPath[UUID]) -> Response[Any]:
    """Give the event its attempts again and queue it."""
    try:
        await recovery.retry_event(await current_actor(request), event_id)
    except B2AError as exc:
        await flash(request, exc.message, "error")
    else:
        await flash(request, "The event is queued again with fresh attempts.")
    return redirect(request, PAGE)


@post(f"{PAGE}/{{event_id:uuid}}/discard", opt=ADMIN)
async def discard(request: AnyRequest, event_id: FromPath[UUID]) -> Response[Any]:
    """Give up on the event for good (it stays stored, marked discarded)."""
    try:
        await recovery.discard_event(await current_actor(request), event_id)
    except B2AError as exc:
        await flash(request, exc.message, "error")
    else:
        await flash(request, "The event is discarded.")
    return redirect(request, PAGE)


HANDLERS = [events_page, retry, discard]
