"""Billing's platform settings: Stripe's keys (encrypted) and the manual-payment methods.

Two ``SystemSetting`` rows: ``billing.stripe`` holds the secret key and the
webhook signing secret, each encrypted with ``SecretBox`` before it is stored
and never shown again beyond its last four characters; ``billing.local`` holds
the currency manual payments are made in and, per method (EasyPaisa, JazzCash,
bank transfer), whether it is on, the account title, the number or IBAN and the
instructions the tenant reads. Only super admins change them, in the admin
panel's billing page or ``/api/v1/admin/billing``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from b2a.audit import service as audit
from b2a.billing.rules import METHOD_NAMES, ManualMethod, account_number, currency_code
from b2a.billing.schemas import (
    BillingSettingsIn,
    BillingSettingsOut,
    LocalPayments,
    ManualMethodSettings,
    StripeSettingsOut,
)
from b2a.db.columns import json_value
from b2a.db.integrity import is_unique_violation
from b2a.db.transaction import atomic
from b2a.errors import Conflict, Invalid
from b2a.lib import clock
from b2a.lib.crypto import SecretBox, mask
from b2a.lib.text import is_token
from b2a.system.tables import SystemSetting
from b2a.tenants.actor import Actor

STRIPE = "billing.stripe"
LOCAL = "billing.local"
_SECRET_PREFIXES = ("sk_test_", "sk_live_", "rk_test_", "rk_live_")
NOT_CONFIGURED = "STRIPE_NOT_CONFIGURED"
WEBHOOK_PATH = "/webhooks/stripe"
OPERATOR = "the operator (whoever runs this b2a server)"
"""Who can fix what a business cannot: named the same way on every page that says so."""


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
            f"card payments are not set up on this server: ask {OPERATOR} to enter Stripe's "
            "keys in Admin → Billing.",
            code=NOT_CONFIGURED,
        )
    return keys


async def stripe_configured() -> bool:
    """Whether a Stripe secret key is stored (nothing is decrypted to know it)."""
    return bool((await _value(STRIPE)).get("secret_key"))


def webhook_url(base_url: str) -> str:
    """The endpoint to paste into Stripe (Developers → Webhooks) for this server."""
    return base_url.rstrip("/") + WEBHOOK_PATH


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
    """Store Stripe's keys encrypted; a blank or masked one (as shown back) keeps the stored value.

    Raises:
        Forbidden: the actor is not a super admin.
        Invalid: a key is not one Stripe issues (``sk_…``/``rk_…``, ``whsec_…``).
    """
    actor.require()
    secret_key, webhook_secret = _typed(secret_key), _typed(webhook_secret)
    if secret_key and not (secret_key.startswith(_SECRET_PREFIXES) and is_token(secret_key)):
        raise Invalid(
            "the secret key starts with sk_test_ or sk_live_ (Developers → API keys in Stripe).",
            field="secret_key",
        )
    if webhook_secret and not (webhook_secret.startswith("whsec_") and is_token(webhook_secret)):
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


def _typed(key: str) -> str:
    """The key as typed; a masked hint sent back (``••••••••abcd``) means "keep the stored one"."""
    key = key.strip()
    return "" if key.startswith("•") else key


async def local_payments() -> LocalPayments:
    """The manual-payment currency and methods (none on until the super admin saves them)."""
    stored = await _value(LOCAL)
    if "instructions" in stored and "methods" not in stored:
        # Saved before methods had a switch and account fields: each text was an offered method.
        stored["methods"] = {
            method: {"enabled": True, "instructions": text}
            for method, text in stored.pop("instructions").items()
        }
    return msgspec.convert(stored, LocalPayments) if stored else LocalPayments()


async def set_local_payments(actor: Actor, settings: LocalPayments) -> LocalPayments:
    """Save the manual-payment currency and methods; a method that is on needs its account.

    Raises:
        Forbidden: the actor is not a super admin.
        Invalid: an unknown currency or method, or a method on without its account title
            or number (``field`` names it, e.g. ``methods.EASYPAISA.account_number``).
    """
    actor.require()
    for method in settings.methods:
        if method not in ManualMethod.__members__:
            known = ", ".join(ManualMethod)
            raise Invalid(f"{method!r} is not a payment method: {known}.", field="methods")
    cleaned = LocalPayments(
        currency_code(settings.currency),
        {
            m.value: _cleaned_method(m, settings.methods[m.value])
            for m in ManualMethod
            if m.value in settings.methods
        },
    )
    await _store(actor, LOCAL, msgspec.to_builtins(cleaned))
    await audit.record(
        actor,
        "billing.local_payments.updated",
        currency=cleaned.currency,
        methods=[*cleaned.offered()],
    )
    return cleaned


def _cleaned_method(method: ManualMethod, given: ManualMethodSettings) -> ManualMethodSettings:
    field = f"methods.{method.value}"
    name = METHOD_NAMES[method]
    title, number = " ".join(given.account_title.split()), given.account_number.strip()
    if len(title) > 120:
        raise Invalid(
            "an account title has at most 120 characters.", field=f"{field}.account_title"
        )
    if given.enabled and not title:
        raise Invalid(
            f"{name} is on: give the account title (the name on the account businesses pay).",
            field=f"{field}.account_title",
        )
    if given.enabled and not number:
        what = "IBAN or account number" if method is ManualMethod.BANK_TRANSFER else "number"
        raise Invalid(
            f"{name} is on: give the {what} businesses pay to.", field=f"{field}.account_number"
        )
    return ManualMethodSettings(
        enabled=given.enabled,
        account_title=title,
        account_number=account_number(method, number, field=f"{field}.account_number")
        if number
        else "",
        instructions=given.instructions.strip()[:2000],
    )


async def billing_settings(actor: Actor, *, box: SecretBox, base_url: str) -> BillingSettingsOut:
    """Everything the operator's billing page shows: masked keys, the webhook URL, the methods.

    Raises:
        Forbidden: the actor is not a super admin.
    """
    return BillingSettingsOut(
        stripe=await stripe_settings(actor, box=box),
        webhook_url=webhook_url(base_url),
        local=await local_payments(),
    )


async def save_billing_settings(
    actor: Actor, data: BillingSettingsIn, *, box: SecretBox, base_url: str
) -> BillingSettingsOut:
    """Change Stripe's keys and, when given, the manual methods; then what is now stored.

    Raises:
        Forbidden: the actor is not a super admin.
        Invalid: a key or a method's detail is refused (``field`` names it).
    """
    async with atomic():  # a refused method leaves the keys as they were, and the reverse
        if _typed(data.secret_key) or _typed(data.webhook_secret):
            await set_stripe_keys(
                actor, secret_key=data.secret_key, webhook_secret=data.webhook_secret, box=box
            )
        if data.local is not None:
            await set_local_payments(actor, data.local)
    return await billing_settings(actor, box=box, base_url=base_url)
