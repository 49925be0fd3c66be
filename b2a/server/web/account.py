"""My account: change my password, my notifications, and my API tokens (each secret shown once).

Super admins have tokens too: theirs open the admin API (``/api/v1/admin``).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.params import FromPath

from b2a.errors import B2AError
from b2a.server.flash import flash
from b2a.server.web._pages import current_actor, form_data, form_error, page, redirect
from b2a.server.websession import log_in_response, redis_of
from b2a.tenants import api_tokens, recovery
from b2a.tenants.notifications import NotificationChoice, choose_notifications, notification_choice
from b2a.tenants.rules import Area

AnyRequest = Request[Any, Any, Any]
ACCOUNT = {"area": Area.ACCOUNT, "tenant_optional": True}
TEMPLATE = "account/index.html"


async def _context(request: AnyRequest, **context: Any) -> dict[str, Any]:
    actor = await current_actor(request)
    tokens = await api_tokens.list_api_tokens(actor, actor.label)
    notify = await notification_choice(actor)
    return {"tokens": tokens, "new_token": None, "notify": notify, **context}


@get("/app/account", opt=ACCOUNT, name="account")
async def account_page(request: AnyRequest) -> Response[Any]:
    """The password form and the token list."""
    return await page(request, TEMPLATE, **await _context(request))


@post("/app/account/password", opt=ACCOUNT)
async def change_password(request: AnyRequest) -> Response[Any]:
    """Change my password; my other sessions end, this browser gets a new session."""
    values = await form_data(request)
    actor = await current_actor(request)
    try:
        await recovery.change_password(
            actor, redis_of(request), current=values.get("current", ""), new=values.get("new", "")
        )
    except B2AError as exc:
        return await form_error(request, TEMPLATE, exc, **await _context(request))
    await log_in_response(request, actor)
    await flash(request, "Your password is changed; other browsers are signed out.")
    return redirect(request, "/app/account")


@post("/app/account/notifications", opt=ACCOUNT)
async def save_notifications(request: AnyRequest) -> Response[Any]:
    """Switch my sound and desktop notification for new messages and hand-overs on or off."""
    values = await form_data(request)
    choice = NotificationChoice(sound="sound" in values, desktop="desktop" in values)
    await choose_notifications(await current_actor(request), choice)
    await flash(request, "Your notifications are saved.")
    return redirect(request, "/app/account#notifications")


@post("/app/account/tokens", opt=ACCOUNT)
async def create_token(request: AnyRequest) -> Response[Any]:
    """Create a token and show its secret this once."""
    values = await form_data(request)
    actor = await current_actor(request)
    try:
        new = await api_tokens.create_api_token(actor, actor.label, name=values.get("name", ""))
    except B2AError as exc:
        return await form_error(request, TEMPLATE, exc, values=values, **await _context(request))
    return await page(request, TEMPLATE, status=201, **await _context(request, new_token=new))


@post("/app/account/tokens/{token_id:uuid}/revoke", opt=ACCOUNT)
async def revoke_token(request: AnyRequest, token_id: FromPath[UUID]) -> Response[Any]:
    """Revoke one of my tokens; it fails on its next use."""
    summary = await api_tokens.revoke_own_api_token(await current_actor(request), token_id)
    await flash(request, f"Token {summary.name} is revoked.")
    return redirect(request, "/app/account")


HANDLERS = [account_page, change_password, save_notifications, create_token, revoke_token]
