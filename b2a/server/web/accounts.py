"""The pages before login: sign up, log in and out, forgotten password, links from emails."""

from __future__ import annotations

import contextlib
import json
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.params import QueryParameter

from b2a.catalog.money import CURRENCIES
from b2a.errors import B2AError, Unavailable
from b2a.server.flash import flash
from b2a.server.web._pages import form_data, form_error, link_base, page, redirect, safe_next
from b2a.server.websession import log_in_response, log_out_response, redis_of, settings_of, visit
from b2a.tenants import login, recovery, signup
from b2a.tenants.links import link_is_live
from b2a.tenants.locale import ZONE_CURRENCIES, time_zones
from b2a.tenants.rules import TokenPurpose

AnyRequest = Request[Any, Any, Any]
PUBLIC = {"public": True}
Next = Annotated[str | None, QueryParameter(name="next", required=False)]
Token = Annotated[str, QueryParameter(name="token")]
FINISH = "accounts/signup_finish.html"


async def _reset_by_email(request: AnyRequest) -> dict[str, bool]:
    return {"reset_by_email": await recovery.reset_by_email_offered(settings_of(request))}


@get("/login", opt=PUBLIC, name="login")
async def login_page(request: AnyRequest, next_path: Next = None) -> Response[Any]:
    """The login form (logged-in visitors go straight on)."""
    if (await visit(request)).actor is not None:
        return redirect(request, safe_next(next_path))
    return await page(
        request, "accounts/login.html", next=safe_next(next_path), **await _reset_by_email(request)
    )


@post("/login", opt=PUBLIC)
async def login_submit(request: AnyRequest) -> Response[Any]:
    """Check the password, then start a fresh session."""
    values = await form_data(request)
    settings = settings_of(request)
    ip = (await visit(request)).ip
    try:
        actor = await login.log_in(
            redis_of(request),
            values.get("email", ""),
            values.get("password", ""),
            ip=ip,
            per_ip_limit=settings.auth.per_ip_limit,
        )
    except B2AError as exc:
        if exc.code == "EMAIL_NOT_VERIFIED":
            await _resend_verification(request, values.get("email", ""))
        return await form_error(
            request,
            "accounts/login.html",
            exc,
            values=values,
            next=safe_next(values.get("next")),
            **await _reset_by_email(request),
        )
    await log_in_response(request, actor)
    return redirect(request, safe_next(values.get("next")))


async def _resend_verification(request: AnyRequest, email: str) -> None:
    # The login error already says what to do; a missing SMTP setup is the operator's to see.
    with contextlib.suppress(Unavailable):
        await recovery.send_verification(settings_of(request), link_base(request), email)


@post("/logout", opt=PUBLIC)
async def logout(request: AnyRequest) -> Response[Any]:
    """End this browser's session (in Redis, not only the cookie)."""
    await log_out_response(request)
    await flash(request, "You are logged out.", "info")
    return redirect(request, "/login")


def _signup_lists() -> dict[str, Any]:
    """The sign-up form's time zones and currencies, and the zone → currency map signup.js uses."""
    return {
        "time_zones": time_zones(),
        "currencies": sorted(CURRENCIES),
        "zone_currencies": json.dumps(ZONE_CURRENCIES, separators=(",", ":")),
    }


@get("/signup", opt=PUBLIC, name="signup")
async def signup_page(request: AnyRequest) -> Response[Any]:
    """The sign-up form, or a notice that sign-up is closed (off, or no email to confirm with)."""
    if not await signup.sign_up_offered(settings_of(request)):
        return await page(request, "accounts/signup_closed.html", status=403)
    return await page(request, "accounts/signup.html", **_signup_lists())


@post("/signup", opt=PUBLIC)
async def signup_submit(request: AnyRequest) -> Response[Any]:
    """Queue the emailed answer; the page is the same whether or not the address has an account."""
    values = await form_data(request)
    try:
        await signup.request_sign_up(
            redis_of(request),
            settings_of(request),
            link_base(request),
            business=values.get("business", ""),
            email=values.get("email", ""),
            ip=(await visit(request)).ip,
            time_zone=values.get("time_zone", "UTC"),
            currency=values.get("currency", ""),
        )
    except B2AError as exc:
        template = "accounts/signup_closed.html" if exc.code == "SIGNUP_DISABLED" else None
        return await form_error(
            request, template or "accounts/signup.html", exc, values=values, **_signup_lists()
        )
    return await page(request, "accounts/signup_sent.html", email=values.get("email", "").strip())


@get(signup.FINISH_PATH, opt=PUBLIC, name="signup_finish")
async def signup_finish_page(request: AnyRequest, token: Token = "") -> Response[Any]:
    """The choose-your-password form of a sign-up link."""
    pending = await signup.pending_sign_up(redis_of(request), token)
    if pending is None:
        return await page(request, "accounts/link_invalid.html", status=410)
    return await page(request, FINISH, token=token, pending=pending)


@post(signup.FINISH_PATH, opt=PUBLIC)
async def signup_finish_submit(request: AnyRequest) -> Response[Any]:
    """Create the business and its admin, then log them in."""
    values = await form_data(request)
    token = values.get("token", "")
    redis = redis_of(request)
    try:
        actor = await signup.finish_sign_up(
            redis, token, values.get("password", ""), ip=(await visit(request)).ip
        )
    except B2AError as exc:
        pending = await signup.pending_sign_up(redis, token)
        if pending is None and exc.code == "LINK_INVALID":
            return await page(request, "accounts/link_invalid.html", status=410)
        return await form_error(request, FINISH, exc, token=token, pending=pending)
    await log_in_response(request, actor)
    await flash(request, "Welcome to b2a! Your business is ready.")
    return redirect(request, "/app")


@get("/forgot-password", opt=PUBLIC, name="forgot_password")
async def forgot_page(request: AnyRequest) -> Response[Any]:
    """Ask for a reset link by email, or, where that is not offered, who to ask for one."""
    return await page(request, "accounts/forgot.html", **await _reset_by_email(request))


@post("/forgot-password", opt=PUBLIC)
async def forgot_submit(request: AnyRequest) -> Response[Any]:
    """Email a link if the address has an account; the answer is the same either way."""
    values = await form_data(request)
    try:
        await recovery.request_password_reset(
            redis_of(request),
            settings_of(request),
            link_base(request),
            values.get("email", ""),
            ip=(await visit(request)).ip,
        )
    except B2AError as exc:
        context = await _reset_by_email(request)
        return await form_error(request, "accounts/forgot.html", exc, values=values, **context)
    return await page(request, "accounts/check_email.html", email=values.get("email", ""))


async def _link_form(request: AnyRequest, purpose: TokenPurpose, token: str) -> Response[Any]:
    template = "accounts/set_password.html"
    if not token or not await link_is_live(token, purpose):
        return await page(request, "accounts/link_invalid.html", status=410)
    return await page(request, template, token=token, purpose=purpose.value)


@get("/reset-password", opt=PUBLIC, name="reset_password")
async def reset_page(request: AnyRequest, token: Token = "") -> Response[Any]:
    """The new-password form of a reset link."""
    return await _link_form(request, TokenPurpose.RESET, token)


@post("/reset-password", opt=PUBLIC)
async def reset_submit(request: AnyRequest) -> Response[Any]:
    """Set the new password; every session of the account ends."""
    values = await form_data(request)
    token = values.get("token", "")
    try:
        await recovery.reset_password_with_link(
            redis_of(request), token, values.get("password", ""), ip=(await visit(request)).ip
        )
    except B2AError as exc:
        return await form_error(
            request, "accounts/set_password.html", exc, token=token, purpose="RESET"
        )
    await log_out_response(request)
    await flash(request, "Your password is changed. Log in with it now.")
    return redirect(request, "/login")


@get("/accept-invite", opt=PUBLIC, name="accept_invite")
async def invite_page(request: AnyRequest, token: Token = "") -> Response[Any]:
    """The set-your-password form of an invitation."""
    return await _link_form(request, TokenPurpose.INVITE, token)


@post("/accept-invite", opt=PUBLIC)
async def invite_submit(request: AnyRequest) -> Response[Any]:
    """Set the invited member's password, log them in and open the inbox."""
    values = await form_data(request)
    token = values.get("token", "")
    try:
        actor = await recovery.accept_invite(
            redis_of(request),
            token,
            values.get("password", ""),
            name=values.get("name", ""),
            ip=(await visit(request)).ip,
        )
    except B2AError as exc:
        return await form_error(
            request, "accounts/set_password.html", exc, token=token, purpose="INVITE", values=values
        )
    await log_in_response(request, actor)
    await flash(request, "Welcome aboard! Your password is set.")
    # A colleague is invited to answer customers: the inbox is where their work is.
    return redirect(request, "/app/inbox")


@get("/verify-email", opt=PUBLIC, name="verify_email")
async def verify_email(request: AnyRequest, token: Token = "") -> Response[Any]:
    """Confirm an address from its link."""
    try:
        await recovery.confirm_email(token, ip=(await visit(request)).ip)
    except B2AError:
        return await page(request, "accounts/link_invalid.html", status=410)
    await flash(request, "Your email address is confirmed.")
    signed_in = (await visit(request)).actor is not None
    return redirect(request, "/app" if signed_in else "/login")


HANDLERS = [
    login_page,
    login_submit,
    logout,
    signup_page,
    signup_submit,
    signup_finish_page,
    signup_finish_submit,
    forgot_page,
    forgot_submit,
    reset_page,
    reset_submit,
    invite_page,
    invite_submit,
    verify_email,
]
