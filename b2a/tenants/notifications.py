"""How the panel tells a user of a new customer message or a hand-over to humans.

Each user chooses for themself, on My account: a short sound, a desktop
notification, both or neither (the default). The browser plays and shows them
(``static/js/live.js``); this module keeps the choice.
"""

from __future__ import annotations

from dataclasses import dataclass

from b2a.db import sql
from b2a.db.sql import Statement
from b2a.errors import NotFound
from b2a.tenants.actor import Actor
from b2a.tenants.tables import User


@dataclass(frozen=True)
class NotificationChoice:
    """Whether a new customer message or a hand-over plays a sound, shows a notification."""

    sound: bool = False
    desktop: bool = False


# Read on every page of the inbox's users (hand-written, as it runs that often).
_CHOICE = Statement("SELECT notify_sound, notify_desktop FROM app_user WHERE id = :id")


async def notification_choice(actor: Actor) -> NotificationChoice:
    """The actor's own choice; the default (both off) for the operator at the CLI."""
    row = await sql.fetchrow(_CHOICE, id=actor.user_id) if actor.user_id else None
    if row is None:
        return NotificationChoice()
    return NotificationChoice(sound=row["notify_sound"], desktop=row["notify_desktop"])


async def choose_notifications(actor: Actor, choice: NotificationChoice) -> NotificationChoice:
    """Keep the actor's choice of a sound and a desktop notification.

    Raises:
        NotFound: the actor is no user (the operator at the CLI).
    """
    changed = await (
        User.update({User.notify_sound: choice.sound, User.notify_desktop: choice.desktop})
        .where(User.id == actor.user_id)
        .returning(User.id)
    )
    if not changed:
        raise NotFound("only a user who logs in has notifications to choose.")
    return choice
