"""Billing's platform settings: Stripe's keys (encrypted) and the manual-payment details.

Two ``SystemSetting`` rows: ``billing.stripe`` holds the secret key and the
webhook signing secret, each encrypted with ``SecretBox`` before it is stored
and never shown again beyond its last four characters; ``billing.local`` holds
the currency manual payments are made in and, per method, the instructions the
tenant reads (account numbers, bank details). Only super admins change them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from b2a.audit import service as audit
from b2a.billing.rules import ManualMethod, currency_code
from b2a.billing.schemas import LocalPayments, StripeSettingsOut
from b2a.db.columns import json_value
from b2a.db.integrity import is_unique_violation
from b2a.errors import Conflict, Invalid
from b2a.lib import clock
from b2a.lib.crypto import SecretBox, mask
from b2a.system.tables import SystemSetting
from b2a.tenants.actor import Actor

STRIPE = "billing.stripe"
LOCAL = "billing.local"
_SECRET_PREFIXES = ("sk_test_", "sk_live_", "rk_test_", "rk_live_")
NOT_CONFIGURED = "STRIPE_NOT_CONFIGURED"


@dataclass(frozen=True)
class StripeKeys:
    """Stripe's secret API key and the webhook endpoint's signing secret, decrypted."""

    secret_key: str
    webhook_secret: str

    def __repr__(self) -> str:
        return "StripeKeys(secret_key=•••, webhook_secret=•••)"


async def _row(key: str) -> SystemSetting | None:
    return await SystemSetting.objects().where(SystemSetting.key == key).first()


async def _value(key: str) -> dict[str, Any]:
    row = await _row(key)
    return dict(json_value(row.value) or {}) if row is not None else {}


async def _store(actor: Actor, key: str, value: dict[str, Any]) -> None:
    row = await _row(key)
    if row is None:
        row = SystemSetting(key=key)
    row.value = value
    row.updated_at = clock.now()
    row.updated_by = actor.user_id
    try:
        await row.save()
    except Exception as exc:
        if is_unique_violation(exc):
            raise Conflict("someone saved these settings at the same moment; try again.") from None
        raise


async def stripe_keys(box: SecretBox) -> StripeKeys | None:
    """The keys the server and worker call Stripe with; None until the super admin sets them."""
    stored = await _value(STRIPE)
    if not stored.get("secret_key"):
        return None
    webhook = stored.get("webhook_secret", "")
    return StripeKeys(box.decrypt(stored["secret_key"]), box.decrypt(webhook) if webhook else "")


async def require_stripe_keys(box: SecretBox) -> StripeKeys:
    """The keys, or a refusal that tells the tenant card payments are not set up.

    Raises:
        Conflict: no secret key is stored (``STRIPE_NOT_CONFIGURED``).
    """
    keys = await stripe_keys(box)
    if keys is None:
        raise Conflict(
            "card payments are not set up on this appliance yet; the operator enters Stripe's "
            "keys in the admin panel. A manual payment works meanwhile.",
            code=NOT_CONFIGURED,
        )
    return keys


async def stripe_settings(actor: Actor, *, box: SecretBox) -> StripeSettingsOut:
    """Whether Stripe is configured, with masked keys.

    Raises:
        Forbidden: the actor is not a super admin.
    """
    actor.require()
    row = await _row(STRIPE)
    keys = await stripe_keys(box)
    if keys is None:
        return StripeSettingsOut(False, False, "", "", row.updated_at if row else None)
    return StripeSettingsOut(
        configured=True,
        live_mode=keys.secret_key.startswith(("sk_live_", "rk_live_")),
        secret_key_hint=mask(keys.secret_key),
        webhook_secret_hint=mask(keys.webhook_secret) if keys.webhook_secret else "",
        updated_at=row.updated_at if row else None,
    )


async def set_stripe_keys(
    actor: Actor, *, secret_key: str = "", webhook_secret: str = "", box: SecretBox
) -> StripeSettingsOut:
    """Store Stripe's keys encrypted; a blank one keeps the stored value.

    Raises:
        Forbidden: the actor is not a super admin.
        Invalid: a key is not one Stripe issues (``sk_…``/``rk_…``, ``whsec_…``).
    """
    actor.require()
    secret_key, webhook_secret = secret_key.strip(), webhook_secret.strip()
    if secret_key and not secret_key.startswith(_SECRET_PREFIXES):
        raise Invalid(
            "the secret key starts with sk_test_ or sk_live_ (Developers → API keys in Stripe).",
            field="secret_key",
        )
    if webhook_secret and not webhook_secret.startswith("whsec_"):
        raise Invalid(
            "the webhook signing secret starts with whsec_ (Developers → Webhooks → your "
            "endpoint → Signing secret).",
            field="webhook_secret",
        )
    stored = await _value(STRIPE)
    if secret_key:
        stored["secret_key"] = box.encrypt(secret_key)
    if webhook_secret:
        stored["webhook_secret"] = box.encrypt(webhook_secret)
    await _store(actor, STRIPE, stored)
    await audit.record(
        actor,
        "billing.stripe.updated",
        secret_key_changed=bool(secret_key),
        webhook_secret_changed=bool(webhook_secret),
    )
    return await stripe_settings(actor, box=box)


async def local_payments() -> LocalPayments:
    """The manual-payment currency and instructions (defaults until the super admin saves)."""
    stored = await _value(LOCAL)
    return msgspec.convert(stored, LocalPayments) if stored else LocalPayments()


async def set_local_payments(actor: Actor, settings: LocalPayments) -> LocalPayments:
    """Save the manual-payment currency and instructions; a method without them is not offered.

    Raises:
        Forbidden: the actor is not a super admin.
        Invalid: an unknown currency code or payment method.
    """
    actor.require()
    instructions = {}
    for method, text in settings.instructions.items():
        if method not in ManualMethod.__members__:
            known = ", ".join(ManualMethod)
            raise Invalid(f"{method!r} is not a payment method: {known}.", field="instructions")
        if text.strip():
            instructions[method] = text.strip()[:2000]
    cleaned = LocalPayments(currency_code(settings.currency), instructions)
    await _store(actor, LOCAL, msgspec.to_builtins(cleaned))
    await audit.record(
        actor, "billing.local_payments.updated", currency=cleaned.currency, methods=[*instructions]
    )
    return cleaned
