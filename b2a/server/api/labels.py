"""``/api/v1/labels``: the tenant's labels (put on conversations under /conversations)."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, delete, get, post

from b2a.inbox import actions
from b2a.inbox.schemas import LabelIn, LabelOut
from b2a.server.auth import TENANT_ADMINS
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Area


class LabelController(Controller):
    """Labels agents put on conversations."""

    path = "/labels"
    opt = {"area": Area.INBOX}
    tags = ["inbox"]

    @get("/", summary="List labels")
    async def list_labels(self, actor: Actor) -> list[LabelOut]:
        """By name."""
        return await actions.list_labels(actor)

    @post("/", summary="Create a label")
    async def create_label(self, actor: Actor, data: LabelIn) -> LabelOut:
        """Any member may create one; names are unique per tenant (409 LABEL_EXISTS)."""
        return await actions.create_label(actor, data.name, color=data.color)

    @delete("/{label_id:uuid}", summary="Delete a label (tenant admins)", opt=TENANT_ADMINS)
    async def delete_label(self, actor: Actor, label_id: UUID) -> None:
        """It disappears from every conversation."""
        await actions.delete_label(actor, label_id)
