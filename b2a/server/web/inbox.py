"""The team inbox: a workspace of three panes (list, thread, details) for tenant admins and staff.

Each form posts to its own route, which calls one function of ``inbox.actions``
(the REST API's), tells the tenant's open inboxes (``announce``, as the API
does) and goes back to the conversation. A refusal (the 24-hour window is
closed, an unknown template variable…) comes back on the same page in plain
words. Every route works without JavaScript; ``static/js/inbox.js`` adds what
a chat workspace needs on top of them: the fragments below (the list, a page of
it, the thread, an older page of it, the details, the composer) fetched again on
live events or as the agent scrolls, replies sent without leaving the page, and
keyboard shortcuts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import Template

from b2a.errors import B2AError, Invalid
from b2a.inbox import actions, canned, labels, queries, views
from b2a.inbox.queries import ConversationFilter
from b2a.inbox.rules import ConversationStatus, Owner
from b2a.orders import service as orders
from b2a.outbox.queueing import Draft
from b2a.server.api._common import MEDIA_LIMIT, announce, media_draft, media_root
from b2a.server.api.messages import MULTIPART_SLACK
from b2a.server.csrf import csrf_token
from b2a.server.flash import flash
from b2a.server.web._pages import (
    current_actor,
    form_data,
    form_error,
    page,
    reader_zone,
    redirect,
)
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Area

AnyRequest = Request[Any, Any, Any]
INBOX = {"area": Area.INBOX}
PAGE = "/app/inbox"
TEMPLATE = "inbox/index.html"
FILTERS = ("status", "owner", "assignee", "label", "unread", "q")
# What the reply form may carry: a file of at most 16 MB (the API's limit) and its envelope.
REPLY_LIMIT = MEDIA_LIMIT + MULTIPART_SLACK
UPDATED = "conversation.updated"


def _filters(params: dict[str, str]) -> ConversationFilter:
    """The list's filters from the query string; an unknown value is refused by name."""
    try:
        status = ConversationStatus(params["status"]) if params.get("status") else None
        owner = Owner(params["owner"]) if params.get("owner") else None
        label = UUID(params["label"]) if params.get("label") else None
    except ValueError:
        raise Invalid("that filter value is not one of the choices.") from None
    unread = {"yes": True, "no": False}.get(params.get("unread", ""))
    return ConversationFilter(
        status, owner, params.get("assignee", ""), label, unread, params.get("q", "")
    )


def _params(request: AnyRequest) -> dict[str, str]:
    return {k: v for k, v in request.query_params.items() if k in FILTERS and v}


async def _list_context(request: AnyRequest, actor: Actor, team: views.Team) -> dict[str, Any]:
    """The list as filtered; a filter value that is not a choice shows why, over all of it."""
    params = _params(request)
    error = None
    try:
        filters = _filters(params)
        cursor = request.query_params.get("cursor") or None
        listing = await queries.list_conversations(actor, filters, cursor=cursor)
    except Invalid as exc:
        params, error = {}, exc.message
        listing = await queries.list_conversations(actor, ConversationFilter())
    older = urlencode({**params, "cursor": listing.next_cursor}) if listing.next_cursor else ""
    return {
        "listing": listing,
        "filters": params,
        "query": urlencode(params),
        "older": older,
        "list_error": error,
        "statuses": list(ConversationStatus),
        "all_labels": team.labels,
        "members": team.members,
        "member_names": team.names,
    }


async def _thread(
    request: AnyRequest, actor: Actor, conversation_id: UUID, team: views.Team
) -> views.ThreadView:
    zone = await reader_zone(request)
    return await views.thread_view(actor, conversation_id, team, zone)


async def _read(
    request: AnyRequest,
    actor: Actor,
    conversation_id: UUID,
    team: views.Team,
    cursor: str | None = None,
) -> views.ThreadView:
    """The thread, marked read (announced, so the other open inboxes clear the badge too)."""
    zone = await reader_zone(request)
    view = await views.thread_view(actor, conversation_id, team, zone, cursor=cursor)
    if view.conversation.unread_count:
        await actions.mark_read(actor, conversation_id)
        await announce(request.app.state, actor, UPDATED, conversation_id=conversation_id)
    return view


async def _details(actor: Actor, thread: views.ThreadView) -> dict[str, Any]:
    """What the details panel shows besides the thread: the customer's orders and conversations."""
    customer_id = thread.conversation.customer.id
    earlier = await queries.customer_conversations(actor, customer_id)
    return {
        "orders": await orders.customer_orders(actor, customer_id, limit=5),
        "earlier": [c for c in earlier if c.id != thread.conversation.id],
        "statuses": list(ConversationStatus),
    }


async def _inbox_page(request: AnyRequest, conversation_id: UUID | None = None) -> dict[str, Any]:
    actor = await current_actor(request)
    team = await views.team(actor)
    context = await _list_context(request, actor, team)
    if conversation_id is None:
        return {**context, "thread": None, "orders": [], "earlier": []}
    before = request.query_params.get("before") or None
    thread = await _read(request, actor, conversation_id, team, before)
    tools = await views.composer_tools(actor)
    details = await _details(actor, thread)
    return {**context, **details, "thread": thread, "tools": tools, "before": before}


@get(PAGE, opt=INBOX, name="inbox")
async def inbox(request: AnyRequest) -> Response[Any]:
    """The conversation list with its filters, search and older pages."""
    return await page(request, TEMPLATE, **await _inbox_page(request))


@get(f"{PAGE}/{{conversation_id:uuid}}", opt=INBOX, name="inbox-conversation")
async def conversation(request: AnyRequest, conversation_id: FromPath[UUID]) -> Response[Any]:
    """The list beside one conversation's thread (on a phone, the thread alone)."""
    return await page(request, TEMPLATE, **await _inbox_page(request, conversation_id))


async def _fragment(request: AnyRequest, template: str, **context: Any) -> Template:
    actor = await current_actor(request)
    shared = {
        "csrf": await csrf_token(request),
        "actor": actor,
        "error": None,
        "field": None,
        "tz": await reader_zone(request),
    }
    return Template(template_name=template, context={**shared, **context})


@get(f"{PAGE}/list", opt=INBOX)
async def list_fragment(request: AnyRequest) -> Template:
    """The list alone, as filtered (inbox.js fetches it again on a live event)."""
    actor = await current_actor(request)
    context = await _list_context(request, actor, await views.team(actor))
    selected = request.query_params.get("selected", "")
    return await _fragment(request, "inbox/_list.html", selected=selected, **context)


@get(f"{PAGE}/list/more", opt=INBOX)
async def list_more(request: AnyRequest) -> Template:
    """The list's next page as rows, for the infinite scroll (``cursor`` as the list handed out)."""
    actor = await current_actor(request)
    context = await _list_context(request, actor, await views.team(actor))
    selected = request.query_params.get("selected", "")
    return await _fragment(request, "inbox/_more.html", selected=selected, **context)


@get(f"{PAGE}/{{conversation_id:uuid}}/thread", opt=INBOX)
async def thread_fragment(request: AnyRequest, conversation_id: FromPath[UUID]) -> Template:
    """The thread's head and latest page (inbox.js merges it into the open thread on an event)."""
    actor = await current_actor(request)
    thread = await _read(request, actor, conversation_id, await views.team(actor))
    query = urlencode(_params(request))
    return await _fragment(request, "inbox/_thread.html", thread=thread, before=None, query=query)


@get(f"{PAGE}/{{conversation_id:uuid}}/older", opt=INBOX)
async def older_fragment(request: AnyRequest, conversation_id: FromPath[UUID]) -> Template:
    """The page of the thread before ``cursor``, put above it as the agent scrolls up."""
    actor = await current_actor(request)
    conversation = await queries.get_conversation(actor, conversation_id)
    cursor = request.query_params.get("cursor", "")
    if not cursor:
        raise Invalid("older messages need the cursor the thread handed out.", field="cursor")
    names = {member.id: member.label for member in await views.members(actor)}
    page = await views.thread_page(actor, conversation, names, cursor=cursor)
    return await _fragment(request, "inbox/_older.html", c=conversation, page=page, names=names)


@get(f"{PAGE}/{{conversation_id:uuid}}/details", opt=INBOX)
async def details_fragment(request: AnyRequest, conversation_id: FromPath[UUID]) -> Template:
    """The details panel alone (inbox.js fetches it again when the conversation changes)."""
    actor = await current_actor(request)
    thread = await _thread(request, actor, conversation_id, await views.team(actor))
    context = await _details(actor, thread)
    return await _fragment(request, "inbox/_details.html", thread=thread, **context)


@get(f"{PAGE}/{{conversation_id:uuid}}/composer", opt=INBOX)
async def composer_fragment(request: AnyRequest, conversation_id: FromPath[UUID]) -> Template:
    """The composer alone, fetched when the 24-hour window opens or closes under the agent."""
    actor = await current_actor(request)
    thread = await _thread(request, actor, conversation_id, await views.team(actor))
    tools = await views.composer_tools(actor)
    return await _fragment(request, "inbox/_composer.html", thread=thread, tools=tools, values={})


async def _refused(
    request: AnyRequest, conversation_id: UUID, exc: B2AError, values: dict[str, str] | None = None
) -> Response[Any]:
    """The conversation again, the domain's refusal in plain words above what was typed."""
    context = await _inbox_page(request, conversation_id)
    return await form_error(request, TEMPLATE, exc, values=values or {}, **context)


def _back(conversation_id: UUID) -> str:
    return f"{PAGE}/{conversation_id}"


async def _draft(actor: Actor, values: dict[str, str], upload: UploadFile | None) -> Draft:
    """The reply form as a draft: a template with its ``var_*`` fields, a file, or text.

    A file goes with the text as its caption. Text that is exactly ``/shortcut``
    is that canned reply, so the shortcut works without JavaScript too.
    """
    if upload is not None and upload.filename:
        content = await upload.read()
        mime = upload.content_type or "application/octet-stream"
        return media_draft(content, mime, upload.filename, values.get("text", "").strip())
    if values.get("template_id"):
        variables = {k[4:]: v for k, v in values.items() if k.startswith("var_")}
        return Draft(template_id=UUID(values["template_id"]), variables=variables)
    text = values.get("text", "").strip()
    if text.startswith("/") and " " not in text:
        text = (await canned.find_canned_reply(actor, text)).text
    return Draft(text=text)


@post(f"{PAGE}/{{conversation_id:uuid}}/reply", opt=INBOX, request_max_body_size=REPLY_LIMIT)
async def reply(request: AnyRequest, conversation_id: FromPath[UUID]) -> Response[Any]:
    """Send text, a canned reply, a template or a file; humans now own the conversation."""
    form = await request.form()
    # Browsers send a textarea's line breaks as CRLF; WhatsApp and the thread want plain LF.
    values = {k: v.replace("\r\n", "\n") for k, v in form.items() if isinstance(v, str)}
    upload = form.get("file")
    actor = await current_actor(request)
    try:
        draft = await _draft(actor, values, upload if isinstance(upload, UploadFile) else None)
        message = await actions.send_reply(
            actor, conversation_id, draft, media_root=media_root(request.app.state)
        )
    except ValueError:
        refusal = Invalid("choose a template from the list.")
        return await _refused(request, conversation_id, refusal, values)
    except B2AError as exc:
        return await _refused(request, conversation_id, exc, values)
    await announce(
        request.app.state,
        actor,
        "message.created",
        conversation_id=conversation_id,
        message_id=message.id,
    )
    return redirect(request, _back(conversation_id))


Change = Callable[[Actor, dict[str, str]], Awaitable[None]]


async def _act(
    request: AnyRequest, conversation_id: UUID, change: Change, done: str
) -> Response[Any]:
    """Run one action on the conversation, announce it, and go back to it with ``done``."""
    actor = await current_actor(request)
    values = await form_data(request)
    try:
        await change(actor, values)
    except ValueError:
        return await _refused(request, conversation_id, Invalid("that is not one of the choices."))
    except B2AError as exc:
        return await _refused(request, conversation_id, exc)
    await announce(request.app.state, actor, UPDATED, conversation_id=conversation_id)
    await flash(request, done)
    return redirect(request, _back(conversation_id))


@post(f"{PAGE}/{{conversation_id:uuid}}/assign", opt=INBOX)
async def assign(request: AnyRequest, conversation_id: FromPath[UUID]) -> Response[Any]:
    """Assign to a member, to me, or to nobody."""

    async def change(actor: Actor, values: dict[str, str]) -> None:
        chosen = values.get("user_id", "")
        user_id = actor.user_id if chosen == "me" else (UUID(chosen) if chosen else None)
        await actions.assign_conversation(actor, conversation_id, user_id)

    return await _act(request, conversation_id, change, "The assignment is saved.")


@post(f"{PAGE}/{{conversation_id:uuid}}/status", opt=INBOX)
async def set_status(request: AnyRequest, conversation_id: FromPath[UUID]) -> Response[Any]:
    """Open, assigned, resolved or closed."""

    async def change(actor: Actor, values: dict[str, str]) -> None:
        status = ConversationStatus(values.get("status", ""))
        await actions.set_status(actor, conversation_id, status)

    return await _act(request, conversation_id, change, "The status is saved.")


@post(f"{PAGE}/{{conversation_id:uuid}}/labels", opt=INBOX)
async def add_label(request: AnyRequest, conversation_id: FromPath[UUID]) -> Response[Any]:
    """Put a label on the conversation: one of the tenant's, or a new one by name."""

    async def change(actor: Actor, values: dict[str, str]) -> None:
        name = values.get("name", "").strip()
        if name:
            label_id = (await labels.create_label(actor, name)).id
        elif values.get("label_id"):
            label_id = UUID(values["label_id"])
        else:
            raise Invalid("choose a label or type a new one.", field="name")
        await actions.add_label(actor, conversation_id, label_id)

    return await _act(request, conversation_id, change, "The label is added.")


@post(f"{PAGE}/{{conversation_id:uuid}}/labels/{{label_id:uuid}}/remove", opt=INBOX)
async def remove_label(
    request: AnyRequest, conversation_id: FromPath[UUID], label_id: FromPath[UUID]
) -> Response[Any]:
    """Take a label off the conversation."""

    async def change(actor: Actor, _values: dict[str, str]) -> None:
        await actions.remove_label(actor, conversation_id, label_id)

    return await _act(request, conversation_id, change, "The label is removed.")


@post(f"{PAGE}/{{conversation_id:uuid}}/note", opt=INBOX)
async def add_note(request: AnyRequest, conversation_id: FromPath[UUID]) -> Response[Any]:
    """An internal note; the customer never sees it."""

    async def change(actor: Actor, values: dict[str, str]) -> None:
        await actions.add_note(actor, conversation_id, values.get("note", "").replace("\r\n", "\n"))

    return await _act(request, conversation_id, change, "The note is added.")


@post(f"{PAGE}/{{conversation_id:uuid}}/take-over", opt=INBOX)
async def take_over(request: AnyRequest, conversation_id: FromPath[UUID]) -> Response[Any]:
    """Humans answer from now on; the assistant stays silent."""

    async def change(actor: Actor, values: dict[str, str]) -> None:
        await actions.take_over(actor, conversation_id, reason=values.get("reason", ""))

    return await _act(request, conversation_id, change, "You took over from the assistant.")


@post(f"{PAGE}/{{conversation_id:uuid}}/hand-back", opt=INBOX)
async def hand_back(request: AnyRequest, conversation_id: FromPath[UUID]) -> Response[Any]:
    """The assistant answers the customer's next message."""

    async def change(actor: Actor, _values: dict[str, str]) -> None:
        await actions.hand_back(actor, conversation_id)

    return await _act(request, conversation_id, change, "The assistant has the conversation again.")


HANDLERS = [
    inbox,
    list_fragment,
    conversation,
    thread_fragment,
    list_more,
    older_fragment,
    details_fragment,
    composer_fragment,
    reply,
    assign,
    set_status,
    add_label,
    remove_label,
    add_note,
    take_over,
    hand_back,
]
