"""``/api/v1/labels``: the tenant's labels (put on conversations under /conversations)."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, delete, get, post, put
from litestar.params import FromPath, JSONBody

from b2a.inbox import labels
from b2a.inbox.schemas import LabelIn, LabelOut
from b2a.server.auth import TENANT_ADMINS
from b2a.server.params import ActorDep
from b2a.tenants.rules import Area


class LabelController(Controller):
    """Labels agents put on conversations."""

    path = "/labels"
    opt = {"area": Area.INBOX}
    tags = ["inbox"]

    @get("/", summary="List labels")
    async def list_labels(self, actor: ActorDep) -> list[LabelOut]:
        """By name."""
        return await labels.list_labels(actor)

    @post("/", summary="Create a label")
    async def create_label(self, actor: ActorDep, data: JSONBody[LabelIn]) -> LabelOut:
        """Any member may create one; names are unique per tenant (409 LABEL_EXISTS)."""
        return await labels.create_label(actor, data.name, color=data.color)

    @put("/{label_id:uuid}", summary="Rename or recolour a label (admins)", opt=TENANT_ADMINS)
    async def update_label(
        self, actor: ActorDep, label_id: FromPath[UUID], data: JSONBody[LabelIn]
    ) -> LabelOut:
        """Both the name and the colour are replaced; conversations carrying it show the change."""
        return await labels.update_label(actor, label_id, data.name, data.color)

    @delete("/{label_id:uuid}", summary="Delete a label (tenant admins)", opt=TENANT_ADMINS)
    async def delete_label(self, actor: ActorDep, label_id: FromPath[UUID]) -> None:
        """It disappears from every conversation."""
        await labels.delete_label(actor, label_id)
