"""The operator's payment settings: Stripe's keys and a key test, the webhook URL, manual methods.

The same functions as ``/api/v1/admin/billing`` (``billing.config``). Keys are
never put in the page: the form shows them masked, and a blank key field keeps
the stored key. "Test the key" asks Stripe for the account with the stored key
through the Stripe client the billing pages use.
"""

from __future__ import annotations

from typing import Any

from litestar import Response, get, post

from b2a.billing import config
from b2a.billing.rules import METHOD_NAMES, ManualMethod
from b2a.billing.schemas import LocalPayments, ManualMethodSettings
from b2a.billing.stripe_api import check_stored_key
from b2a.billing.stripe_events import WEBHOOK_EVENTS
from b2a.errors import B2AError
from b2a.lib.crypto import SecretBox
from b2a.lib.http import create_client
from b2a.server.flash import flash
from b2a.server.web._pages import current_actor, form_data, form_error, page, redirect
from b2a.server.web.admin._common import ADMIN, AnyRequest, checked
from b2a.server.websession import settings_of

PAGE = "/admin/billing"
TEMPLATE = "admin/billing.html"


def _box(request: AnyRequest) -> SecretBox:
    return SecretBox(settings_of(request).core.encryption_key)


def _base_url(request: AnyRequest) -> str:
    """B2A_SERVER_PUBLIC_URL, else the address the operator is using now."""
    return settings_of(request).server.public_url or str(request.base_url)


async def _context(request: AnyRequest, **context: Any) -> dict[str, Any]:
    found = await config.billing_settings(
        await current_actor(request), box=_box(request), base_url=_base_url(request)
    )
    return {
        "found": found,
        "public_url_set": bool(settings_of(request).server.public_url),
        "method_names": {m.value: name for m, name in METHOD_NAMES.items()},
        "events": WEBHOOK_EVENTS,
        **context,
    }


@get(PAGE, opt=ADMIN, name="admin-billing")
async def billing_settings_page(request: AnyRequest) -> Response[Any]:
    """Card payments (Stripe) and manual payments, one form each."""
    return await page(request, TEMPLATE, **await _context(request))


@post(f"{PAGE}/stripe", opt=ADMIN)
async def save_stripe(request: AnyRequest) -> Response[Any]:
    """Stripe's secret key and webhook signing secret; a blank field keeps the stored one."""
    values = await form_data(request)
    try:
        await config.set_stripe_keys(
            await current_actor(request),
            secret_key=values.get("secret_key", ""),
            webhook_secret=values.get("webhook_secret", ""),
            box=_box(request),
        )
    except B2AError as exc:
        return await form_error(request, TEMPLATE, exc, **await _context(request))
    await flash(request, "Stripe's keys are saved (encrypted). Test the key to check it.")
    return redirect(request, PAGE)


@post(f"{PAGE}/stripe/test", opt=ADMIN)
async def test_stripe(request: AnyRequest) -> Response[Any]:
    """Ask Stripe for the account with the stored key and say what happened."""
    async with create_client() as http:
        outcome = await check_stored_key(
            await current_actor(request),
            box=_box(request),
            api_url=settings_of(request).billing.stripe_api_url,
            http=http,
        )
    await flash(request, outcome.message, "success" if outcome.ok else "error")
    return redirect(request, PAGE)


def _local_from(values: dict[str, str]) -> LocalPayments:
    """The manual-payments form: a currency, then per method ``methods.<METHOD>.<field>``."""
    methods = {}
    for method in ManualMethod:
        prefix = f"methods.{method.value}."
        methods[method.value] = ManualMethodSettings(
            enabled=checked(values, prefix + "enabled"),
            account_title=values.get(prefix + "account_title", ""),
            account_number=values.get(prefix + "account_number", ""),
            instructions=values.get(prefix + "instructions", ""),
        )
    return LocalPayments(values.get("currency", ""), methods)


@post(f"{PAGE}/local", opt=ADMIN)
async def save_local(request: AnyRequest) -> Response[Any]:
    """The local currency and, per method, on/off and where businesses send the money."""
    values = await form_data(request)
    try:
        saved = await config.set_local_payments(await current_actor(request), _local_from(values))
    except B2AError as exc:
        return await form_error(request, TEMPLATE, exc, **await _context(request, values=values))
    offered = [METHOD_NAMES[ManualMethod(m)] for m in saved.offered()]
    await flash(
        request,
        f"Businesses can now pay in {saved.currency} by {', '.join(offered)}."
        if offered
        else "Manual payments are saved and all switched off.",
    )
    return redirect(request, f"{PAGE}#local")


HANDLERS = [billing_settings_page, save_stripe, test_stripe, save_local]
