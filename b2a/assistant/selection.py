"""Which provider and model answer a tenant's message, decided per message from fresh settings.

A tenant's tier names a provider and an allowlist of models (``ai_settings``);
the tenant's own ``ai_model`` is used when it is on that list, else the tier's
first model. A tier with no models (FREE out of the box) gets the offline
catalog assistant. A remote provider always comes wrapped in ``WithFallback``
with the Redis breaker, so a failing endpoint costs the customer nothing but
a plainer answer.
"""

from __future__ import annotations

from typing import Any

import httpx

from b2a.assistant.ai_settings import AISettings, ProviderConfig, load_ai_settings
from b2a.assistant.breaker import Breaker, WithFallback
from b2a.assistant.catalog_provider import CatalogAssistant
from b2a.assistant.openai_compat import OpenAICompatProvider, list_models
from b2a.assistant.shapes import Provider, ProviderDown
from b2a.errors import NotFound
from b2a.lib.crypto import SecretBox
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role


def choose(settings: AISettings, tier: str, custom_model: str) -> tuple[ProviderConfig, str] | None:
    """The provider and model for a tenant on ``tier``; None means the offline assistant."""
    entry = settings.tier(tier)
    config = settings.provider(entry.provider)
    if not entry.models or config is None:
        return None
    model = custom_model if custom_model in entry.models else entry.models[0]
    return config, model


async def provider_for(
    tier: str, custom_model: str, box: SecretBox, redis: Any, client: httpx.AsyncClient
) -> Provider:
    """The provider that drafts the next reply of a tenant on ``tier`` that chose ``custom_model``.

    Per the super admin's settings now.
    """
    chosen = choose(await load_ai_settings(box), tier, custom_model)
    if chosen is None:
        return CatalogAssistant()
    config, model = chosen
    remote = OpenAICompatProvider(config, model, client)
    return WithFallback(remote, CatalogAssistant(), Breaker(redis, config.name))


async def try_provider(actor: Actor, name: str, box: SecretBox, client: httpx.AsyncClient) -> str:
    """Ask a configured provider for its models now, with its stored key; what happened.

    Raises:
        Forbidden: the actor is not a super admin.
        NotFound: no provider has this name.
    """
    actor.require(Role.SUPER_ADMIN)
    config = (await load_ai_settings(box)).provider(name)
    if config is None:
        raise NotFound(f"no AI provider is called {name!r}.")
    try:
        models = await list_models(config, client)
    except ProviderDown as exc:
        return f"{name} failed: {exc}."
    return f"{name} answers: {len(models)} models ({', '.join(models[:8]) or 'none listed'})."
