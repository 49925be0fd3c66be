"""What the API handlers share: where media lives, and telling open inboxes about changes."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from litestar.datastructures import State
from redis.exceptions import RedisError

from b2a.errors import Invalid
from b2a.lib import events
from b2a.outbox.queueing import Draft
from b2a.tenants.actor import Actor

log = logging.getLogger(__name__)
# WhatsApp's own ceiling for audio and video; images are capped at 5 MB by Meta.
MEDIA_LIMIT = 16 * 1024 * 1024


def media_draft(content: bytes, mime: str, filename: str, caption: str) -> Draft:
    """An uploaded file as a reply (the API's and the inbox composer's), refused when empty or big.

    Raises:
        Invalid: an empty file, or one over ``MEDIA_LIMIT``.
    """
    if not content:
        raise Invalid("the file is empty.", field="file")
    if len(content) > MEDIA_LIMIT:
        raise Invalid(f"files are limited to {MEDIA_LIMIT // 2**20} MB.", field="file")
    return Draft(text=caption, media=content, media_mime=mime, filename=filename)


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
