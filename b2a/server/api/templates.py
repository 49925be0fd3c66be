"""``/api/v1/templates``: local templates and Meta's, with their approval status."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.params import JSONBody

from b2a.lib.crypto import SecretBox
from b2a.lib.http import create_client
from b2a.outbox import templates
from b2a.outbox.schemas import TemplateIn, TemplateOut, TemplateSync
from b2a.server.auth import TENANT_ADMINS
from b2a.server.params import ActorDep
from b2a.tenants.rules import Area


class TemplateController(Controller):
    """Templates are sent as replies through ``template_id`` on the messages endpoint."""

    path = "/templates"
    opt = {"area": Area.TEMPLATES}
    tags = ["templates"]

    @get("/", summary="List templates")
    async def list_templates(self, actor: ActorDep) -> list[TemplateOut]:
        """``sendable`` is false for Meta templates that are not APPROVED."""
        return await templates.list_templates(actor)

    @post("/", summary="Create a local template (tenant admins)", opt=TENANT_ADMINS)
    async def create_template(self, actor: ActorDep, data: JSONBody[TemplateIn]) -> TemplateOut:
        """Placeholders are written ``{{name}}``; sending fills every one of them."""
        return await templates.create_template(
            actor, data.name, data.body, language=data.language, category=data.category
        )

    @post("/sync", status_code=200, summary="Sync templates from Meta")
    async def sync_templates(self, actor: ActorDep, state: State) -> TemplateSync:
        """Mirror the Cloud API number's templates and their approval status."""
        settings = state.settings
        async with create_client() as http:
            return await templates.sync_meta_templates(
                actor,
                http=http,
                box=SecretBox(settings.core.encryption_key),
                graph_url=settings.whatsapp.graph_url,
            )
