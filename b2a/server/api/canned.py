"""``/api/v1/canned-replies``: saved replies agents insert with ``/shortcut``."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, delete, get, post, put
from litestar.params import FromPath, JSONBody, QueryParameter

from b2a.inbox import canned
from b2a.inbox.schemas import CannedReplyIn, CannedReplyOut
from b2a.server.auth import TENANT_ADMINS
from b2a.server.params import ActorDep
from b2a.tenants.rules import Area


class CannedReplyController(Controller):
    """Every member reads canned replies; tenant admins write them."""

    path = "/canned-replies"
    opt = {"area": Area.INBOX}
    tags = ["canned replies"]

    @get("/", summary="List canned replies")
    async def list_canned_replies(
        self,
        actor: ActorDep,
        prefix: Annotated[str, QueryParameter(description="Shortcuts starting with this.")] = "",
    ) -> list[CannedReplyOut]:
        """By shortcut; ``prefix`` narrows them as the agent types ``/ho…``."""
        return await canned.list_canned_replies(actor, prefix=prefix)

    @get("/by-shortcut/{shortcut:str}", summary="Look up a shortcut")
    async def find_canned_reply(self, actor: ActorDep, shortcut: FromPath[str]) -> CannedReplyOut:
        """The reply ``/shortcut`` expands to; 404 when there is none."""
        return await canned.find_canned_reply(actor, shortcut)

    @post("/", summary="Create a canned reply (tenant admins)", opt=TENANT_ADMINS)
    async def create_canned_reply(
        self, actor: ActorDep, data: JSONBody[CannedReplyIn]
    ) -> CannedReplyOut:
        """Shortcuts are unique per tenant (409 SHORTCUT_EXISTS)."""
        return await canned.create_canned_reply(actor, data.shortcut, data.text)

    @put("/{reply_id:uuid}", summary="Change a canned reply (tenant admins)", opt=TENANT_ADMINS)
    async def update_canned_reply(
        self, actor: ActorDep, reply_id: FromPath[UUID], data: JSONBody[CannedReplyIn]
    ) -> CannedReplyOut:
        """Both the shortcut and the text are replaced."""
        return await canned.update_canned_reply(actor, reply_id, data.shortcut, data.text)

    @delete("/{reply_id:uuid}", summary="Delete a canned reply (tenant admins)", opt=TENANT_ADMINS)
    async def delete_canned_reply(self, actor: ActorDep, reply_id: FromPath[UUID]) -> None:
        """Gone for every agent."""
        await canned.delete_canned_reply(actor, reply_id)
