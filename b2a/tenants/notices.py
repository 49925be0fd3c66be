"""Notices: what WhatsApp told a business that its people must see, as a banner until dismissed.

A notice is about one thing (its ``source_key``: the account's ban state, a
number's quality, one template), so a later word about the same thing replaces
the earlier one instead of piling up: "restricted" becomes "restriction lifted".
The tenant's admins dismiss them; the operator sees the open ones of every
tenant. The worrying ones are also emailed to the tenant's admins when email
works, since a banner is only seen by whoever opens the panel.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from b2a.db.sql import Statement
from b2a.errors import B2AError
from b2a.lib import clock
from b2a.settings import Settings
from b2a.system.email import email_ready, queue_email
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Notice, Tenant, User

log = logging.getLogger("b2a.notices")

BANNER_LIMIT = 5
"""At most this many banners on a page; the API and the operator's list show them all."""


class Level(StrEnum):
    """How much a notice matters: news, something to watch, or something that stops sending."""

    INFO = "info"
    WARNING = "warning"
    DANGER = "danger"


GRAVITY: dict[str, int] = {Level.DANGER: 0, Level.WARNING: 1, Level.INFO: 2}
"""The gravest notices first."""


@dataclass(frozen=True)
class NoticeOut:
    """A notice as its readers see it."""

    id: UUID
    kind: str
    level: str
    text: str
    source_key: str
    created_at: datetime
    dismissed_at: datetime | None


@dataclass(frozen=True)
class OpenNotice:
    """An open notice in the operator's list, with the business it is about."""

    notice: NoticeOut
    tenant_id: UUID
    tenant_name: str


@dataclass(frozen=True)
class Announcement:
    """A notice to raise: what it is about, how much it matters, and what it says."""

    kind: str
    level: Level
    text: str
    source_key: str
    email_subject: str = ""
    """Set when the tenant's admins must also get it by email."""


def _out(row: Notice) -> NoticeOut:
    return NoticeOut(
        row.id, row.kind, row.level, row.text, row.source_key, row.created_at, row.dismissed_at
    )


async def raise_notice(scope: TenantScope, announcement: Announcement) -> NoticeOut:
    """Show ``announcement`` to the tenant, replacing any earlier notice about the same thing."""
    if announcement.source_key:
        await scope.delete(Notice).where(Notice.source_key == announcement.source_key)
    row = scope.new(
        Notice,
        kind=announcement.kind[:40],
        level=announcement.level,
        text=announcement.text[:1000],
        source_key=announcement.source_key[:160],
    )
    await row.save()
    return _out(row)


async def settle_notice(scope: TenantScope, source_key: str, text: str) -> bool:
    """Good news about something a notice warned of: the open notice turns into news.

    Nothing is raised when no notice was open (an approval nobody worried about
    is no news); whether one was.
    """
    settled = (
        await scope.update(Notice, {Notice.level: Level.INFO, Notice.text: text[:1000]})
        .where((Notice.source_key == source_key) & Notice.dismissed_at.is_null())
        .returning(Notice.id)
    )
    return bool(settled)


# Every page of a tenant's panel shows them (hand-written: Piccolo's objects cost more).
_OPEN = Statement(
    "SELECT id, kind, level, text, source_key, created_at FROM notice"
    " WHERE tenant = :tenant AND dismissed_at IS NULL"
)


async def banners(scope: TenantScope) -> list[NoticeOut]:
    """The open notices every page of the tenant shows, the most serious and newest first."""
    rows = list(await scope.fetch(_OPEN))
    rows.sort(key=lambda row: row["created_at"], reverse=True)
    rows.sort(key=lambda row: GRAVITY.get(row["level"], 3))
    return [
        NoticeOut(r["id"], r["kind"], r["level"], r["text"], r["source_key"], r["created_at"], None)
        for r in rows[:BANNER_LIMIT]
    ]


async def list_notices(actor: Actor, *, include_dismissed: bool = False) -> list[NoticeOut]:
    """The tenant's notices, newest first (the dismissed ones too when asked)."""
    query = actor.scope.objects(Notice).order_by(Notice.created_at, ascending=False)
    if not include_dismissed:
        query = query.where(Notice.dismissed_at.is_null())
    return [_out(row) for row in await query]


async def dismiss_notice(actor: Actor, notice_id: UUID) -> NoticeOut:
    """Hide a banner for everyone in the tenant (it stays listed as dismissed).

    Raises:
        Forbidden: the actor is not a tenant admin.
        NotFound: the notice is not this tenant's.
    """
    actor.require(Role.TENANT_ADMIN)
    row = await actor.scope.get(Notice, notice_id)
    if row.dismissed_at is None:
        row.dismissed_at = clock.now()
        await row.save([Notice.dismissed_at])
    return _out(row)


async def open_notices(actor: Actor, *, tenant_id: UUID | None = None) -> list[OpenNotice]:
    """The operator's list: open notices of every tenant (or one), the most serious first.

    Raises:
        Forbidden: the actor is not a super admin.
    """
    actor.require(Role.SUPER_ADMIN)
    query = Notice.objects(Notice.tenant).where(Notice.dismissed_at.is_null())
    if tenant_id is not None:
        query = query.where(Notice.tenant == tenant_id)
    rows = await query.order_by(Notice.created_at, ascending=False)
    rows.sort(key=lambda row: GRAVITY.get(row.level, 3))
    return [OpenNotice(_out(row), row.tenant.id, row.tenant.name) for row in rows]


async def tell_admins(scope: TenantScope, settings: Settings, subject: str, text: str) -> int:
    """Email the tenant's active admins when email works; how many were emailed.

    Email is a courtesy on top of the banner: when it is not set up, or its
    last delivery failed, the banner alone carries the news.
    """
    if not await email_ready(settings):
        return 0
    tenant = await Tenant.objects().where(Tenant.id == scope.tenant_id).first()
    admins = await scope.select(User, User.email).where(
        (User.role == Role.TENANT_ADMIN) & (User.is_active == True)  # noqa: E712
    )
    where = settings.server.public_url or "b2a"
    business = tenant.name if tenant else "your business"
    body = f"{text}\n\nThis is also shown as a notice in {where}.\n\nb2a, for {business}"
    sent = 0
    for admin in admins:
        try:
            await queue_email(settings, to=admin["email"], subject=subject, text=body)
        except B2AError as exc:
            log.warning("notice email to %s not queued: %s", admin["email"], exc.message)
            continue
        sent += 1
    return sent


async def announce(
    scope: TenantScope, announcement: Announcement, settings: Settings | None
) -> NoticeOut:
    """Raise the notice, and email the admins when it asks for it and settings allow."""
    notice = await raise_notice(scope, announcement)
    if announcement.email_subject and settings is not None:
        await tell_admins(scope, settings, announcement.email_subject, announcement.text)
    return notice
