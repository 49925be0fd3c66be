"""Canned replies: saved texts an agent inserts by typing ``/shortcut``.

Shortcuts are stored without the slash, lower-cased, and unique per tenant.
Every member reads them; only tenant admins write them, since they speak for
the business.
"""

from __future__ import annotations

import re
from uuid import UUID

from b2a.audit import service as audit
from b2a.db.integrity import save_unique
from b2a.db.sql import Statement
from b2a.errors import Conflict, Invalid, NotFound
from b2a.inbox.schemas import CannedReplyOut
from b2a.inbox.tables import CannedReply
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role

SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,30}$")


def normalise_shortcut(raw: str) -> str:
    """``/Hours`` → ``hours``.

    Raises:
        Invalid: not 1 to 31 letters, digits, ``-`` or ``_``.
    """
    shortcut = raw.strip().removeprefix("/").lower()
    if not SHORTCUT.match(shortcut):
        raise Invalid(
            "a shortcut is 1 to 31 letters, digits, - or _, e.g. /hours.", field="shortcut"
        )
    return shortcut


def _clean_text(text: str) -> str:
    cleaned = text.strip()
    if not 1 <= len(cleaned) <= 4096:
        raise Invalid("a canned reply has 1 to 4096 characters.", field="text")
    return cleaned


def _out(row: CannedReply) -> CannedReplyOut:
    return CannedReplyOut(row.id, row.shortcut, row.text)


async def _save(row: CannedReply) -> None:
    taken = f"the shortcut /{row.shortcut} is taken."
    await save_unique(row, Conflict(taken, code="SHORTCUT_EXISTS", field="shortcut"))


# The composer of every thread lists them (hand-written, as Piccolo's objects cost more).
_CANNED = Statement(
    "SELECT id, shortcut, text FROM canned_reply WHERE tenant = :tenant AND shortcut LIKE :pattern"
    " ORDER BY shortcut"
)


async def list_canned_replies(actor: Actor, *, prefix: str = "") -> list[CannedReplyOut]:
    """The tenant's canned replies by shortcut; ``prefix`` narrows them as the agent types."""
    start = prefix.strip().removeprefix("/").lower().replace("%", "")
    rows = await actor.scope.fetch(_CANNED, pattern=f"{start}%")
    return [CannedReplyOut(row["id"], row["shortcut"], row["text"]) for row in rows]


async def get_canned_reply(actor: Actor, reply_id: UUID) -> CannedReplyOut:
    """One canned reply by id.

    Raises:
        NotFound: the canned reply is not this tenant's.
    """
    return _out(await actor.scope.get(CannedReply, reply_id))


async def find_canned_reply(actor: Actor, shortcut: str) -> CannedReplyOut:
    """The canned reply a shortcut names.

    Raises:
        NotFound: no canned reply has this shortcut.
    """
    key = normalise_shortcut(shortcut)
    row = await actor.scope.objects(CannedReply).where(CannedReply.shortcut == key).first()
    if row is None:
        raise NotFound(f"no saved reply /{key}: a tenant admin makes it on the Saved replies page.")
    return _out(row)


async def create_canned_reply(actor: Actor, shortcut: str, text: str) -> CannedReplyOut:
    """Save a new canned reply.

    Raises:
        Forbidden: the actor is not a tenant admin.
        Invalid: a bad shortcut or text.
        Conflict: the shortcut is taken.
    """
    actor.require(Role.TENANT_ADMIN)
    row = actor.scope.new(
        CannedReply, shortcut=normalise_shortcut(shortcut), text=_clean_text(text)
    )
    await _save(row)
    await audit.record(actor, "canned_reply.created", shortcut=row.shortcut)
    return _out(row)


async def update_canned_reply(
    actor: Actor, reply_id: UUID, shortcut: str, text: str
) -> CannedReplyOut:
    """Change a canned reply's shortcut and text.

    Raises:
        Forbidden: the actor is not a tenant admin.
        NotFound: the canned reply is not this tenant's.
        Invalid: a bad shortcut or text.
        Conflict: the new shortcut is taken.
    """
    actor.require(Role.TENANT_ADMIN)
    row = await actor.scope.get(CannedReply, reply_id)
    row.shortcut = normalise_shortcut(shortcut)
    row.text = _clean_text(text)
    await _save(row)
    await audit.record(actor, "canned_reply.updated", shortcut=row.shortcut)
    return _out(row)


async def delete_canned_reply(actor: Actor, reply_id: UUID) -> None:
    """Delete a canned reply.

    Raises:
        Forbidden: the actor is not a tenant admin.
        NotFound: the canned reply is not this tenant's.
    """
    actor.require(Role.TENANT_ADMIN)
    row = await actor.scope.get(CannedReply, reply_id)
    await actor.scope.delete(CannedReply).where(CannedReply.id == row.id)
    await audit.record(actor, "canned_reply.deleted", shortcut=row.shortcut)
