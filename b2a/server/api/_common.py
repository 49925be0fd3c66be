"""What the API handlers share: where media lives, and telling open inboxes about changes."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from litestar.datastructures import State
from redis.exceptions import RedisError

from b2a.lib import events
from b2a.tenants.actor import Actor

log = logging.getLogger(__name__)


def media_root(state: State) -> Path:
    """The directory holding every tenant's media directory."""
    return state.settings.core.media_root


async def announce(state: State, actor: Actor, kind: str, **data: Any) -> None:
    """Publish a live event to the tenant's open inboxes.

    The change is already committed; a Redis hiccup costs a live refresh, not
    the request, so it is logged and swallowed.
    """
    try:
        await events.publish(state.redis, str(actor.tenant_id), kind, **data)
    except RedisError as exc:
        log.warning("live event %s not published: %s", kind, exc)
