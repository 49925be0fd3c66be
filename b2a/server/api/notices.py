"""``/api/v1/notices``: what WhatsApp told the business (bans, restrictions, templates, quality).

Every member reads them; tenant admins dismiss them. The operator reads the
open ones of every tenant under ``/api/v1/admin/notices``.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, get, post
from litestar.params import FromPath, QueryParameter

from b2a.server.auth import TENANT_ADMINS
from b2a.server.params import ActorDep
from b2a.tenants import notices
from b2a.tenants.notices import NoticeOut, OpenNotice
from b2a.tenants.rules import Area


class NoticeController(Controller):
    """The banners of the tenant's panel, as data."""

    path = "/notices"
    opt = {"area": Area.DASHBOARD}
    tags = ["notices"]

    @get("/", summary="List notices")
    async def list_notices(
        self,
        actor: ActorDep,
        include_dismissed: Annotated[
            bool, QueryParameter(description="Also the dismissed ones.")
        ] = False,
    ) -> list[NoticeOut]:
        """Open notices, newest first; ``level`` is info, warning or danger."""
        return await notices.list_notices(actor, include_dismissed=include_dismissed)

    @post(
        "/{notice_id:uuid}/dismiss",
        status_code=200,
        summary="Dismiss a notice (tenant admins)",
        opt=TENANT_ADMINS,
    )
    async def dismiss_notice(self, actor: ActorDep, notice_id: FromPath[UUID]) -> NoticeOut:
        """Hides its banner for the whole team; a later word about the same thing shows again."""
        return await notices.dismiss_notice(actor, notice_id)


class AdminNoticeController(Controller):
    """Super admins only (``Area.ADMIN`` in the API guard)."""

    path = "/admin/notices"
    opt = {"area": Area.ADMIN}
    tags = ["admin"]

    @get("/", summary="Open notices of every tenant")
    async def open_notices(
        self,
        actor: ActorDep,
        tenant_id: Annotated[UUID | None, QueryParameter(description="Only this tenant's.")] = None,
    ) -> list[OpenNotice]:
        """The gravest first, then the newest."""
        return await notices.open_notices(actor, tenant_id=tenant_id)
