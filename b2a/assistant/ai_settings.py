"""The super admin's AI settings: remote providers, the models of each tier, tenants' models.

One platform setting (``SystemSetting`` key ``ai``) holds the providers (name,
OpenAI-compatible base URL, API key, timeout, price per model) and, per tier
(FREE/LOW/MEDIUM/HIGH), which provider serves it and the allowlist of model
names, the first being the default. API keys are encrypted with ``SecretBox``
before they are stored, never logged, and shown masked; saving with a blank
key keeps the stored one. Every turn reads this fresh, so a change applies to
the next customer message without a restart.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import msgspec

from b2a.audit import service as audit
from b2a.errors import Invalid, NotFound
from b2a.lib.crypto import SecretBox, mask
from b2a.lib.text import is_token
from b2a.system.platform import read_setting, write_setting
from b2a.tenants.actor import Actor
from b2a.tenants.rules import AITier, Role
from b2a.tenants.tables import Tenant

AI = "ai"
KINDS = ("openai_compat",)
MASK = mask("x" * 12)[0]
"""How a masked key starts; such a key sent back means "unchanged"."""
MAX_TIMEOUT = 15.0
"""Three attempts at most must fit in the assistant job's 60 seconds."""


class ModelPrice(msgspec.Struct, frozen=True, kw_only=True):
    """What a model costs, in millionths of a dollar per 1,000 tokens."""

    input: int = 0
    output: int = 0


class ProviderConfig(msgspec.Struct, frozen=True, kw_only=True):
    """One OpenAI-compatible endpoint; ``api_key`` is plaintext only in memory."""

    name: str
    kind: str = "openai_compat"
    base_url: str = ""
    api_key: str = ""
    timeout: float = 10.0
    prices: dict[str, ModelPrice] = {}


class TierModels(msgspec.Struct, frozen=True, kw_only=True):
    """Which provider serves a tier and the models a tenant on it may use (first = default)."""

    provider: str = ""
    models: list[str] = []


class AISettings(msgspec.Struct, frozen=True, kw_only=True):
    """Every remote provider and every tier's models."""

    providers: list[ProviderConfig] = []
    tiers: dict[str, TierModels] = {}

    def provider(self, name: str) -> ProviderConfig | None:
        """The provider called ``name``, if configured."""
        return next((p for p in self.providers if p.name == name), None)

    def tier(self, tier: str) -> TierModels:
        """The tier's provider and models (none: the offline assistant answers)."""
        return self.tiers.get(tier, TierModels())


async def load_ai_settings(box: SecretBox) -> AISettings:
    """The settings as stored, keys decrypted (for the turn and the doctor, never a page)."""
    raw = await read_setting(AI)
    providers = []
    for entry in raw.get("providers", []):
        sealed = entry.pop("api_key_encrypted", "")
        entry["api_key"] = box.decrypt(sealed) if sealed else ""
        providers.append(entry)
    settings: AISettings = msgspec.convert(
        {**raw, "providers": providers}, AISettings, strict=False
    )
    return settings


async def masked_ai_settings(actor: Actor, box: SecretBox) -> AISettings:
    """The settings with every API key masked, for the super admin's page and API.

    Raises:
        Forbidden: the actor is not a super admin.
    """
    actor.require(Role.SUPER_ADMIN)
    settings = await load_ai_settings(box)
    providers = [msgspec.structs.replace(p, api_key=mask(p.api_key)) for p in settings.providers]
    return msgspec.structs.replace(settings, providers=providers)


def check_ai_settings(settings: AISettings) -> None:
    """Refuse settings the turn could not use.

    Raises:
        Invalid: a provider or tier is not usable, with the field to fix.
    """
    names = [p.name for p in settings.providers]
    if len(set(names)) != len(names) or not all(n.strip() for n in names):
        raise Invalid("every provider needs a name of its own.", field="providers")
    for p in settings.providers:
        _check_provider(p)
    for tier, entry in settings.tiers.items():
        if tier not in AITier.__members__:
            raise Invalid(f"{tier!r} is not a tier (FREE, LOW, MEDIUM, HIGH).", field="tiers")
        if entry.models and settings.provider(entry.provider) is None:
            raise Invalid(
                f"tier {tier} names provider {entry.provider!r}, which is not configured.",
                field=f"tiers.{tier}",
            )


def _check_provider(p: ProviderConfig) -> None:
    if p.kind not in KINDS:
        raise Invalid(f"provider kind must be one of {', '.join(KINDS)}.", field="kind")
    url = urlsplit(p.base_url)
    if url.scheme not in ("http", "https") or not url.hostname:
        raise Invalid(
            f"provider {p.name}: the base URL must start with http:// or https://.",
            field="base_url",
        )
    if p.api_key and not p.api_key.startswith(MASK) and not is_token(p.api_key):
        raise Invalid(
            f"provider {p.name}: paste the API key as the provider shows it (letters, digits "
            "and punctuation, no spaces).",
            field="api_key",
        )
    if not 0 < p.timeout <= MAX_TIMEOUT:
        raise Invalid(
            f"provider {p.name}: the timeout must be between 0 and {MAX_TIMEOUT:g} seconds.",
            field="timeout",
        )


async def save_ai_settings(actor: Actor, settings: AISettings, box: SecretBox) -> None:
    """Store the settings; keys are encrypted, a blank or masked key keeps the stored one.

    Raises:
        Forbidden: the actor is not a super admin.
        Invalid: a provider or tier is not usable.
    """
    actor.require(Role.SUPER_ADMIN)
    check_ai_settings(settings)
    previous = {
        entry.get("name"): entry.get("api_key_encrypted", "")
        for entry in (await read_setting(AI)).get("providers", [])
    }
    value: dict[str, Any] = msgspec.to_builtins(settings)
    for entry in value["providers"]:
        key = entry.pop("api_key")
        # Blank, or the masked value a GET returned: keep the stored key.
        keep = not key or key.startswith(MASK)
        entry["api_key_encrypted"] = previous.get(entry["name"], "") if keep else box.encrypt(key)
    await write_setting(actor, AI, value)
    await audit.record(
        actor,
        "system.ai_settings",
        providers=[p.name for p in settings.providers],
        tiers={t: e.models for t, e in settings.tiers.items()},
    )


async def save_provider(
    actor: Actor, provider: ProviderConfig, box: SecretBox, *, replacing: str = ""
) -> None:
    """Add a provider, or change the one called ``replacing`` (renames follow into tiers).

    A blank key keeps the replaced provider's key.

    Raises:
        Forbidden: the actor is not a super admin.
        Invalid: the provider is not usable or its name is taken.
    """
    actor.require(Role.SUPER_ADMIN)
    settings = await load_ai_settings(box)
    old = settings.provider(replacing) if replacing else None
    if old is not None and not provider.api_key:
        provider = msgspec.structs.replace(provider, api_key=old.api_key)
    providers = [p for p in settings.providers if p.name != replacing] + [provider]
    tiers = {
        tier: msgspec.structs.replace(entry, provider=provider.name)
        if replacing and entry.provider == replacing
        else entry
        for tier, entry in settings.tiers.items()
    }
    await save_ai_settings(actor, AISettings(providers=providers, tiers=tiers), box)


async def remove_provider(actor: Actor, name: str, box: SecretBox) -> None:
    """Forget a provider that no tier uses any more.

    Raises:
        Forbidden: the actor is not a super admin.
        Invalid: a tier with models still names it.
    """
    actor.require(Role.SUPER_ADMIN)
    settings = await load_ai_settings(box)
    providers = [p for p in settings.providers if p.name != name]
    await save_ai_settings(actor, msgspec.structs.replace(settings, providers=providers), box)


async def save_tiers(actor: Actor, tiers: dict[str, TierModels], box: SecretBox) -> None:
    """Replace every tier's provider and model allowlist.

    Raises:
        Forbidden: the actor is not a super admin.
        Invalid: a tier names a provider that is not configured.
    """
    actor.require(Role.SUPER_ADMIN)
    settings = await load_ai_settings(box)
    await save_ai_settings(actor, msgspec.structs.replace(settings, tiers=tiers), box)


class TenantAI(msgspec.Struct, frozen=True, kw_only=True):
    """A tenant's tier and custom model (empty: the tier's default)."""

    ai_tier: AITier
    ai_model: str = ""


async def set_tenant_ai(actor: Actor, tenant_id: UUID, choice: TenantAI, box: SecretBox) -> None:
    """Put a tenant on a tier, optionally with one of that tier's models.

    Raises:
        Forbidden: the actor is not a super admin.
        NotFound: the tenant does not exist.
        Invalid: the model is not on the tier's allowlist.
    """
    actor.require(Role.SUPER_ADMIN)
    if not await Tenant.exists().where(Tenant.id == tenant_id):
        raise NotFound("This business does not exist.")
    allowed = (await load_ai_settings(box)).tier(choice.ai_tier).models
    if choice.ai_model and choice.ai_model not in allowed:
        listed = ", ".join(allowed) or "none configured"
        raise Invalid(
            f"model {choice.ai_model!r} is not allowed on tier {choice.ai_tier}; "
            f"allowed: {listed}.",
            field="ai_model",
        )
    await Tenant.update({Tenant.ai_tier: choice.ai_tier, Tenant.ai_model: choice.ai_model}).where(
        Tenant.id == tenant_id
    )
    await audit.record(
        actor, "tenant.ai_model", tenant=str(tenant_id), tier=choice.ai_tier, model=choice.ai_model
    )
