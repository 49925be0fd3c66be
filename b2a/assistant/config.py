"""The tenant's own assistant settings: on/off, threshold, texts, phrases, keywords, fields.

Tenant admins edit them (SPEC §1: STAFF has no say over the AI). Every value is
read fresh by the next turn (``turn.assistant_config``), so a change applies to
the next customer message. The super admin's switches and limits are
governance (``governance``), not settings a tenant can touch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from b2a.assistant.governance import load_policy, standing_refusals
from b2a.assistant.guardrails import normalise
from b2a.assistant.shapes import Intent
from b2a.assistant.tables import AssistantConfig
from b2a.audit import service as audit
from b2a.db.columns import json_value
from b2a.db.integrity import is_unique_violation
from b2a.errors import Invalid
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role
from b2a.tenants.scope import TenantScope

ORDER_FIELDS = ("name", "phone", "email")
"""Details an order may require; an address or a time is the catalogue's (``orders_need``)."""
MAX_PHRASES = 200
MAX_PHRASE = 100
MAX_KEYWORDS = 100
MAX_TEXT = 1000
# Below this, almost any draft goes out: a threshold this low is a mistake, not a choice.
LOWEST_THRESHOLD = 0.5


class AssistantSettings(msgspec.Struct):
    """How the tenant's assistant behaves."""

    enabled: bool
    threshold: float
    fallback_text: str
    handoff_text: str
    prohibited_phrases: list[str]
    intent_keywords: dict[str, list[str]]
    required_order_fields: list[str]


class AssistantSettingsIn(msgspec.Struct, forbid_unknown_fields=True):
    """A change to some of the settings; fields left out keep their value."""

    enabled: bool | msgspec.UnsetType = msgspec.UNSET
    threshold: float | msgspec.UnsetType = msgspec.UNSET
    fallback_text: str | msgspec.UnsetType = msgspec.UNSET
    handoff_text: str | msgspec.UnsetType = msgspec.UNSET
    prohibited_phrases: list[str] | msgspec.UnsetType = msgspec.UNSET
    intent_keywords: dict[str, list[str]] | msgspec.UnsetType = msgspec.UNSET
    required_order_fields: list[str] | msgspec.UnsetType = msgspec.UNSET


async def config_row(scope: TenantScope) -> AssistantConfig:
    """The tenant's assistant settings, created with the defaults on first use.

    Two first turns at once (a customer's burst) both find none: the unique
    tenant index lets one insert, and the other reads what it wrote. Call it
    outside a transaction: PostgreSQL aborts one on the refused insert.
    """
    config = await scope.objects(AssistantConfig).first()
    if config is not None:
        return config
    try:
        config = scope.new(AssistantConfig)
        await config.save()
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        written = await scope.objects(AssistantConfig).first()
        if written is None:
            raise
        return written
    return config


def _out(config: AssistantConfig) -> AssistantSettings:
    keywords = json_value(config.intent_keywords) or {}
    return AssistantSettings(
        enabled=config.enabled,
        threshold=config.threshold,
        fallback_text=config.fallback_text,
        handoff_text=config.handoff_text,
        prohibited_phrases=[str(p) for p in json_value(config.prohibited_phrases) or ()],
        intent_keywords={str(k): [str(w) for w in v] for k, v in dict(keywords).items()},
        required_order_fields=[
            str(f) for f in json_value(config.required_order_fields) or () if f in ORDER_FIELDS
        ],
    )


async def assistant_settings(actor: Actor) -> AssistantSettings:
    """The tenant's assistant settings (defaults until first changed).

    Raises:
        Forbidden: the actor is not a tenant admin.
    """
    actor.require(Role.TENANT_ADMIN)
    return _out(await config_row(actor.scope))


async def assistant_notices(actor: Actor) -> list[str]:
    """Why the assistant cannot answer now whatever these settings say, in plain words.

    The operator's switches (for everyone or for this business), a suspended
    business and an overdue payment stop it before any setting is read; the
    settings page shows them so an admin does not tune an assistant that is off.

    Raises:
        Forbidden: the actor is not a tenant admin.
    """
    actor.require(Role.TENANT_ADMIN)
    policy = await load_policy(actor.scope.tenant_id)
    return [refusal.reason for refusal in standing_refusals(policy)]


async def update_assistant_settings(actor: Actor, change: AssistantSettingsIn) -> AssistantSettings:
    """Apply a change, validated as a whole; audited with the fields it touched.

    Raises:
        Forbidden: the actor is not a tenant admin.
        Invalid: a value is out of range; ``field`` names it.
    """
    actor.require(Role.TENANT_ADMIN)
    values = {
        name: getattr(change, name)
        for name in change.__struct_fields__
        if getattr(change, name) is not msgspec.UNSET
    }
    cleaned = {name: _CLEAN[name](value) for name, value in values.items()}
    config = await config_row(actor.scope)
    if cleaned:
        await actor.scope.update(
            AssistantConfig, {getattr(AssistantConfig, k): v for k, v in cleaned.items()}
        ).where(AssistantConfig.id == config.id)
        await audit.record(actor, "settings.assistant_changed", fields=sorted(cleaned))
    return _out(await config_row(actor.scope))


def _threshold(value: float) -> float:
    if not LOWEST_THRESHOLD <= value <= 1.0:
        raise Invalid(
            f"the confidence threshold is between {LOWEST_THRESHOLD} and 1.0 (default 0.85).",
            field="threshold",
        )
    return round(value, 3)


def _text(name: str) -> Callable[[str], str]:
    def clean(value: str) -> str:
        text = value.strip()
        if not 1 <= len(text) <= MAX_TEXT:
            raise Invalid(f"this text has 1 to {MAX_TEXT} characters.", field=name)
        return text

    return clean


def _phrases(value: list[str]) -> list[str]:
    phrases: list[str] = []
    for raw in value:
        phrase = " ".join(raw.split())
        if not phrase:
            continue
        if len(phrase) > MAX_PHRASE or not normalise(phrase).strip():
            raise Invalid(
                f"each prohibited phrase has 1 to {MAX_PHRASE} characters with a letter or digit.",
                field="prohibited_phrases",
            )
        if phrase.lower() not in (p.lower() for p in phrases):
            phrases.append(phrase)
    if len(phrases) > MAX_PHRASES:
        raise Invalid(f"at most {MAX_PHRASES} prohibited phrases.", field="prohibited_phrases")
    return phrases


def _keywords(value: dict[str, list[str]]) -> dict[str, list[str]]:
    intents = {i.value for i in Intent} - {Intent.UNKNOWN.value}
    cleaned: dict[str, list[str]] = {}
    for intent, words in value.items():
        if intent not in intents:
            raise Invalid(
                f"keywords belong to one of: {', '.join(sorted(intents))}; not {intent!r}.",
                field="intent_keywords",
            )
        kept = sorted({" ".join(w.lower().split()) for w in words if w.strip()})
        if len(kept) > MAX_KEYWORDS or any(len(w) > MAX_PHRASE for w in kept):
            raise Invalid(
                f"at most {MAX_KEYWORDS} keywords per intent, each up to {MAX_PHRASE} characters.",
                field="intent_keywords",
            )
        if kept:
            cleaned[intent] = kept
    return cleaned


def _fields(value: list[str]) -> list[str]:
    unknown = [f for f in value if f not in ORDER_FIELDS]
    if unknown:
        raise Invalid(
            f"order fields are among {', '.join(ORDER_FIELDS)}; not {', '.join(unknown)} "
            "(whether orders need an address or a time is chosen for the catalogue).",
            field="required_order_fields",
        )
    return [f for f in ORDER_FIELDS if f in value]


_CLEAN: dict[str, Callable[[Any], Any]] = {
    "enabled": bool,
    "threshold": _threshold,
    "fallback_text": _text("fallback_text"),
    "handoff_text": _text("handoff_text"),
    "prohibited_phrases": _phrases,
    "intent_keywords": _keywords,
    "required_order_fields": _fields,
}
