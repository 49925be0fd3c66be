"""Saved replies (``/app/replies``): the texts agents insert by typing ``/shortcut``.

Every member sees them, since the inbox's reply box uses them; tenant admins
write them (the same rule as ``inbox.canned`` and the API's
``/api/v1/canned-replies``).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.params import FromPath

from b2a.errors import B2AError
from b2a.inbox import canned
from b2a.server.flash import flash
from b2a.server.web._pages import current_actor, form_data, form_error, page, redirect
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Area, Role

AnyRequest = Request[Any, Any, Any]
READ = {"area": Area.INBOX}
WRITE = {"area": Area.INBOX, "roles": (Role.TENANT_ADMIN,)}
PAGE = "/app/replies"
LIST = "inbox/replies.html"
ONE = "inbox/reply.html"


def may_manage(actor: Actor) -> bool:
    """Whether the page shows its forms (the routes check again)."""
    return actor.is_super_admin or actor.role is Role.TENANT_ADMIN


def _typed(values: dict[str, str]) -> dict[str, str]:
    return {"shortcut": values.get("shortcut", ""), "text": values.get("text", "")}


async def _list(request: AnyRequest, **overrides: Any) -> dict[str, Any]:
    actor = await current_actor(request)
    context = {
        "replies": await canned.list_canned_replies(actor),
        "may_manage": may_manage(actor),
    }
    return {**context, **overrides}


@get(PAGE, opt=READ, name="replies")
async def replies_page(request: AnyRequest) -> Response[Any]:
    """Every saved reply by shortcut, and (for admins) the form for a new one."""
    return await page(request, LIST, **await _list(request))


@post(PAGE, opt=WRITE)
async def add_reply(request: AnyRequest) -> Response[Any]:
    """A new saved reply; its shortcut works in the reply box at once."""
    typed = _typed(await form_data(request))
    try:
        made = await canned.create_canned_reply(
            await current_actor(request), typed["shortcut"], typed["text"]
        )
    except B2AError as exc:
        return await form_error(request, LIST, exc, **await _list(request, values=typed))
    await flash(request, f"The saved reply /{made.shortcut} is ready: type it in a reply.")
    return redirect(request, PAGE)


async def _one(request: AnyRequest, reply_id: UUID, **overrides: Any) -> dict[str, Any]:
    actor = await current_actor(request)
    found = await canned.get_canned_reply(actor, reply_id)
    values = {"shortcut": found.shortcut, "text": found.text}
    context = {"reply": found, "values": values, "may_manage": may_manage(actor)}
    return {**context, **overrides}


@get(f"{PAGE}/{{reply_id:uuid}}", opt=READ)
async def reply_page(request: AnyRequest, reply_id: FromPath[UUID]) -> Response[Any]:
    """One saved reply: its text, and (for admins) its edit and delete forms."""
    return await page(request, ONE, **await _one(request, reply_id))


@post(f"{PAGE}/{{reply_id:uuid}}", opt=WRITE)
async def save_reply(request: AnyRequest, reply_id: FromPath[UUID]) -> Response[Any]:
    """A new shortcut or text for a saved reply."""
    typed = _typed(await form_data(request))
    try:
        await canned.update_canned_reply(
            await current_actor(request), reply_id, typed["shortcut"], typed["text"]
        )
    except B2AError as exc:
        context = await _one(request, reply_id, values=typed)
        return await form_error(request, ONE, exc, **context)
    await flash(
        request, f"The saved reply /{canned.normalise_shortcut(typed['shortcut'])} is saved."
    )
    return redirect(request, PAGE)


@post(f"{PAGE}/{{reply_id:uuid}}/delete", opt=WRITE)
async def delete_reply(request: AnyRequest, reply_id: FromPath[UUID]) -> Response[Any]:
    """Delete a saved reply; its shortcut stops working for everyone."""
    await canned.delete_canned_reply(await current_actor(request), reply_id)
    await flash(request, "The saved reply is deleted.")
    return redirect(request, PAGE)


HANDLERS = [replies_page, add_reply, reply_page, save_reply, delete_reply]
