"""``/api/v1/admin/ai``: the super admin's AI providers, tier models and tenants' models."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, get, put
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody

from b2a.assistant import ai_settings
from b2a.assistant.ai_settings import AISettings, TenantAI
from b2a.lib.crypto import SecretBox
from b2a.server.params import ActorDep
from b2a.tenants.rules import Area


def _box(state: State) -> SecretBox:
    return SecretBox(state.settings.core.encryption_key)


class AdminAIController(Controller):
    """Super admins only (``Area.ADMIN`` in the API guard); keys are never returned."""

    path = "/admin/ai"
    tags = ["admin"]
    opt = {"area": Area.ADMIN}

    @get(summary="The AI settings, API keys masked")
    async def get_ai(self, actor: ActorDep, state: State) -> AISettings:
        """Providers (keys masked) and each tier's provider and model allowlist."""
        return await ai_settings.masked_ai_settings(actor, _box(state))

    @put(summary="Replace the AI settings")
    async def put_ai(self, actor: ActorDep, state: State, data: JSONBody[AISettings]) -> AISettings:
        """Applies to the next customer message; a blank ``api_key`` keeps the stored key."""
        await ai_settings.save_ai_settings(actor, data, _box(state))
        return await ai_settings.masked_ai_settings(actor, _box(state))

    @put("/tenants/{tenant_id:uuid}", summary="Set a tenant's AI tier and model")
    async def put_tenant_ai(
        self, actor: ActorDep, state: State, tenant_id: FromPath[UUID], data: JSONBody[TenantAI]
    ) -> TenantAI:
        """The model must be on the tier's allowlist; empty means the tier's default."""
        await ai_settings.set_tenant_ai(actor, tenant_id, data, _box(state))
        return data
