"""System settings: account rules, the SMTP server and a test email, kill switches, growth tags.

The SMTP password is encrypted at rest and never shown back: the form leaves
it empty, and an empty password keeps the stored one. The test email goes the
way account emails go, through the worker's ``send_email`` job.
"""

from __future__ import annotations

from typing import Any

from litestar import Response, get, post

from b2a.errors import B2AError, Invalid
from b2a.lib.crypto import SecretBox
from b2a.server.flash import flash
from b2a.server.web._pages import current_actor, form_data, form_error, page, redirect
from b2a.server.web.admin._common import ADMIN, AnyRequest, checked, whole_number
from b2a.server.websession import settings_of
from b2a.system import platform, switches
from b2a.system.email import queue_email
from b2a.tenants.service import normalise_email

PAGE = "/admin/settings"
TEMPLATE = "admin/settings.html"


def _box(request: AnyRequest) -> SecretBox:
    return SecretBox(settings_of(request).core.encryption_key)


async def _context(request: AnyRequest, **context: Any) -> dict[str, Any]:
    await current_actor(request)
    server = await platform.email_server(_box(request), settings_of(request).smtp)
    return {
        "accounts": await platform.account_policy(),
        "server": server,
        "has_password": bool(server.password),
        "email_health": await platform.email_health(),
        "ai_on": await switches.ai_enabled_globally(),
        "whatsapp_on": await switches.whatsapp_enabled_globally(),
        "growth_tags": await platform.growth(),
        "securities": platform.SECURITIES,
        **context,
    }


@get(PAGE, opt=ADMIN, name="admin-settings")
async def settings_page(request: AnyRequest) -> Response[Any]:
    """Every platform setting on one page, one form per concern."""
    return await page(request, TEMPLATE, **await _context(request))


@post(f"{PAGE}/accounts", opt=ADMIN)
async def save_accounts(request: AnyRequest) -> Response[Any]:
    """Self-service sign-up, password reset, required email confirmation."""
    values = await form_data(request)
    policy = platform.AccountPolicy(
        signup_enabled=checked(values, "signup_enabled"),
        password_reset_enabled=checked(values, "password_reset_enabled"),
        email_verification_required=checked(values, "email_verification_required"),
    )
    await platform.set_account_policy(await current_actor(request), policy)
    await flash(request, "The account rules are saved.")
    return redirect(request, PAGE)


@post(f"{PAGE}/email", opt=ADMIN)
async def save_email(request: AnyRequest) -> Response[Any]:
    """The SMTP server account emails go out through."""
    values = await form_data(request)
    try:
        server = platform.EmailServer(
            host=values.get("host", "").strip(),
            port=whole_number(values, "port"),
            username=values.get("username", "").strip(),
            password=values.get("password", ""),
            sender=values.get("sender", "").strip(),
            security=values.get("security", ""),
        )
        await platform.set_email_server(await current_actor(request), server, _box(request))
    except B2AError as exc:
        return await form_error(request, TEMPLATE, exc, **await _context(request, values=values))
    await flash(request, "The email server is saved; send a test email to check it.")
    return redirect(request, PAGE)


@post(f"{PAGE}/email/test", opt=ADMIN)
async def send_test_email(request: AnyRequest) -> Response[Any]:
    """Queue a test email to an address; the worker sends it with the saved server."""
    values = await form_data(request)
    try:
        address = normalise_email(values.get("to", ""))
        await queue_email(
            settings_of(request),
            to=address,
            subject="b2a test email",
            text="This is a test email from your b2a appliance: the SMTP settings work.",
        )
    except B2AError as exc:
        if exc.field == "email":
            exc = Invalid(exc.message, field="to")
        return await form_error(request, TEMPLATE, exc, **await _context(request, values=values))
    await flash(request, f"A test email to {address} is on its way; check that inbox.")
    return redirect(request, PAGE)


@post(f"{PAGE}/switches", opt=ADMIN)
async def save_switches(request: AnyRequest) -> Response[Any]:
    """The global kill switches; both apply at once, with no restart."""
    values = await form_data(request)
    actor = await current_actor(request)
    ai_on, whatsapp_on = checked(values, "ai_enabled"), checked(values, "whatsapp_enabled")
    if ai_on != await switches.ai_enabled_globally():
        await switches.set_ai_globally(actor, ai_on)
    if whatsapp_on != await switches.whatsapp_enabled_globally():
        await switches.set_whatsapp_globally(actor, whatsapp_on)
    words = {True: "on", False: "OFF"}
    await flash(
        request,
        f"For every business, the assistant is {words[ai_on]} "
        f"and WhatsApp is {words[whatsapp_on]}.",
    )
    return redirect(request, PAGE)


@post(f"{PAGE}/growth", opt=ADMIN)
async def save_growth(request: AnyRequest) -> Response[Any]:
    """Google Analytics and Facebook Pixel on the public pages (login, sign-up)."""
    values = await form_data(request)
    wanted = platform.Growth(
        enabled=checked(values, "enabled"),
        google_analytics_id=values.get("google_analytics_id", ""),
        facebook_pixel_id=values.get("facebook_pixel_id", ""),
    )
    try:
        await platform.set_growth(await current_actor(request), wanted)
    except B2AError as exc:
        return await form_error(request, TEMPLATE, exc, **await _context(request, values=values))
    await flash(request, "The growth tags are saved.")
    return redirect(request, PAGE)


HANDLERS = [
    settings_page,
    save_accounts,
    save_email,
    send_test_email,
    save_switches,
    save_growth,
]
