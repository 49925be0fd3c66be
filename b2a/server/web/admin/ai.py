"""The super admin's AI page: remote providers, each tier's models, a reachability test.

Forms post to ``/admin/ai/...`` and go through ``assistant.ai_settings``, the
same functions as ``/api/v1/admin/ai``; API keys are never put in the page (the
form shows them masked, and a blank key field keeps the stored key).
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post

from b2a.assistant import ai_settings, selection
from b2a.assistant.ai_settings import ModelPrice, ProviderConfig, TenantAI, TierModels
from b2a.errors import B2AError, Invalid
from b2a.lib.crypto import SecretBox
from b2a.lib.http import create_client
from b2a.server.flash import flash
from b2a.server.web._pages import current_actor, form_data, form_error, page, redirect
from b2a.server.websession import settings_of
from b2a.tenants.rules import AITier, Area
from b2a.tenants.service import find_tenant

AnyRequest = Request[Any, Any, Any]
ADMIN = {"area": Area.ADMIN, "tenant_optional": True}
TEMPLATE = "admin/ai.html"
PAGE = "/admin/ai"


def _box(request: AnyRequest) -> SecretBox:
    return SecretBox(settings_of(request).core.encryption_key)


def _prices_text(prices: dict[str, ModelPrice]) -> str:
    return "\n".join(f"{model} {p.input} {p.output}" for model, p in prices.items())


def _prices(raw: str) -> dict[str, ModelPrice]:
    """``model input output`` per line, in millionths of a dollar per 1,000 tokens."""
    prices = {}
    for line in raw.splitlines():
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 3 or not (parts[1].isdigit() and parts[2].isdigit()):
            raise Invalid(
                f"price line {line.strip()!r}: write 'model input output' in whole "
                "micro-dollars per 1,000 tokens.",
                field="prices",
            )
        prices[parts[0]] = ModelPrice(input=int(parts[1]), output=int(parts[2]))
    return prices


def _timeout(raw: str) -> float:
    try:
        return float(raw.strip() or "10")
    except ValueError:
        raise Invalid("the timeout is a number of seconds such as 10.", field="timeout") from None


async def _context(request: AnyRequest, **overrides: Any) -> dict[str, Any]:
    settings = await ai_settings.masked_ai_settings(await current_actor(request), _box(request))
    context: dict[str, Any] = {
        "providers": [{**_provider_fields(p), "masked_key": p.api_key} for p in settings.providers],
        "tiers": [
            {
                "tier": tier.value,
                "provider": settings.tier(tier).provider,
                "models": ", ".join(settings.tier(tier).models),
            }
            for tier in AITier
        ],
        "new": {"name": "", "base_url": "", "timeout": "10", "prices": ""},
        "tier_names": [tier.value for tier in AITier],
        "tenant": {"tenant": "", "ai_tier": "FREE", "ai_model": ""},
    }
    return {**context, **overrides}


def _provider_fields(p: ProviderConfig) -> dict[str, Any]:
    return {
        "name": p.name,
        "base_url": p.base_url,
        "timeout": f"{p.timeout:g}",
        "prices": _prices_text(p.prices),
    }


@get(PAGE, opt=ADMIN, name="admin-ai")
async def ai_page(request: AnyRequest) -> Response[Any]:
    """The providers, the tiers' models and the test buttons."""
    return await page(request, TEMPLATE, **await _context(request))


@post(f"{PAGE}/providers", opt=ADMIN)
async def save_provider(request: AnyRequest) -> Response[Any]:
    """Add or change one provider; a blank key keeps the stored one."""
    values = await form_data(request)
    shown = {k: values.get(k, "") for k in ("name", "base_url", "timeout", "prices")}
    try:
        provider = ProviderConfig(
            name=values.get("name", "").strip(),
            base_url=values.get("base_url", "").strip(),
            api_key=values.get("api_key", "").strip(),
            timeout=_timeout(values.get("timeout", "")),
            prices=_prices(values.get("prices", "")),
        )
        await ai_settings.save_provider(
            await current_actor(request),
            provider,
            _box(request),
            replacing=values.get("original", ""),
        )
    except B2AError as exc:
        return await form_error(request, TEMPLATE, exc, **await _context(request, new=shown))
    await flash(request, f"Provider {provider.name} is saved; the next customer message uses it.")
    return redirect(request, PAGE)


@post(f"{PAGE}/providers/remove", opt=ADMIN)
async def remove_provider(request: AnyRequest) -> Response[Any]:
    """Forget a provider no tier uses."""
    name = (await form_data(request)).get("name", "")
    try:
        await ai_settings.remove_provider(await current_actor(request), name, _box(request))
    except B2AError as exc:
        return await form_error(request, TEMPLATE, exc, **await _context(request))
    await flash(request, f"Provider {name} is removed.")
    return redirect(request, PAGE)


@post(f"{PAGE}/providers/test", opt=ADMIN)
async def test_provider(request: AnyRequest) -> Response[Any]:
    """Ask the provider for its models with the stored key and say what happened."""
    name = (await form_data(request)).get("name", "")
    async with create_client() as client:
        outcome = await selection.try_provider(
            await current_actor(request), name, _box(request), client
        )
    await flash(request, outcome, "success" if " answers: " in outcome else "error")
    return redirect(request, PAGE)


@post(f"{PAGE}/tiers", opt=ADMIN)
async def save_tiers(request: AnyRequest) -> Response[Any]:
    """Each tier's provider and model allowlist (first = default; none = offline assistant)."""
    values = await form_data(request)
    tiers = {
        tier.value: TierModels(
            provider=values.get(f"provider-{tier.value}", ""),
            models=[
                m.strip() for m in values.get(f"models-{tier.value}", "").split(",") if m.strip()
            ],
        )
        for tier in AITier
    }
    try:
        await ai_settings.save_tiers(await current_actor(request), tiers, _box(request))
    except B2AError as exc:
        return await form_error(request, TEMPLATE, exc, **await _context(request))
    await flash(request, "The tiers' models are saved; the next customer message uses them.")
    return redirect(request, f"{PAGE}#tiers")


@post(f"{PAGE}/tenant", opt=ADMIN)
async def save_tenant_ai(request: AnyRequest) -> Response[Any]:
    """Put a business (by slug or id) on a tier, with one of the tier's models or its default."""
    values = await form_data(request)
    shown = {k: values.get(k, "") for k in ("tenant", "ai_tier", "ai_model")}
    try:
        tenant = await find_tenant(shown["tenant"].strip())
        if shown["ai_tier"] not in AITier.__members__:
            raise Invalid("choose a tier: FREE, LOW, MEDIUM or HIGH.", field="ai_tier")
        choice = TenantAI(ai_tier=AITier(shown["ai_tier"]), ai_model=shown["ai_model"].strip())
        await ai_settings.set_tenant_ai(
            await current_actor(request), tenant.id, choice, _box(request)
        )
    except B2AError as exc:
        return await form_error(request, TEMPLATE, exc, **await _context(request, tenant=shown))
    model = choice.ai_model or "the tier's default model"
    await flash(request, f"{tenant.name} is on tier {choice.ai_tier} with {model}.")
    return redirect(request, f"{PAGE}#tenant")


HANDLERS = [ai_page, save_provider, remove_provider, test_provider, save_tiers, save_tenant_ai]
