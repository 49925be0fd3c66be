"""Labels (``/app/labels``): the tags agents put on conversations, named and coloured.

Every member sees them with how many conversations carry each; tenant admins
create, rename, recolour and delete them. Deleting takes the label off every
conversation, and the page says so (with the count) before the button.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.params import FromPath

from b2a.errors import B2AError
from b2a.inbox import labels
from b2a.server.errors import status_for
from b2a.server.flash import flash
from b2a.server.web._pages import current_actor, form_data, form_error, page, redirect
from b2a.server.web.replies import may_manage
from b2a.tenants.rules import Area, Role

AnyRequest = Request[Any, Any, Any]
READ = {"area": Area.INBOX}
WRITE = {"area": Area.INBOX, "roles": (Role.TENANT_ADMIN,)}
PAGE = "/app/labels"
TEMPLATE = "inbox/labels.html"


def _typed(values: dict[str, str]) -> dict[str, str]:
    return {"name": values.get("name", ""), "color": values.get("color", labels.DEFAULT_COLOR)}


async def _context(request: AnyRequest, **overrides: Any) -> dict[str, Any]:
    actor = await current_actor(request)
    context = {
        "labels": await labels.list_labels(actor),
        "uses": await labels.count_label_uses(actor),
        "palette": labels.PALETTE,
        "may_manage": may_manage(actor),
        "values": {"color": labels.DEFAULT_COLOR},
        "editing": None,
    }
    return {**context, **overrides}


@get(PAGE, opt=READ, name="labels")
async def labels_page(request: AnyRequest) -> Response[Any]:
    """Every label with its colour and use, and (for admins) the forms to change them."""
    return await page(request, TEMPLATE, **await _context(request))


@post(PAGE, opt=WRITE)
async def add_label(request: AnyRequest) -> Response[Any]:
    """A new label, ready to put on conversations."""
    typed = _typed(await form_data(request))
    try:
        made = await labels.create_label(
            await current_actor(request), typed["name"], color=typed["color"]
        )
    except B2AError as exc:
        return await form_error(request, TEMPLATE, exc, **await _context(request, values=typed))
    await flash(request, f"The label {made.name} is ready to put on conversations.")
    return redirect(request, PAGE)


@post(f"{PAGE}/{{label_id:uuid}}", opt=WRITE)
async def save_label(request: AnyRequest, label_id: FromPath[UUID]) -> Response[Any]:
    """A label's new name and colour; every conversation carrying it shows them."""
    typed = _typed(await form_data(request))
    try:
        saved = await labels.update_label(
            await current_actor(request), label_id, typed["name"], typed["color"]
        )
    except B2AError as exc:
        # The error shows on that label's row, over what was typed there.
        context = await _context(request, editing={"id": label_id, **typed})
        return await page(request, TEMPLATE, status=status_for(exc), error=exc.message, **context)
    await flash(request, f"The label {saved.name} is saved.")
    return redirect(request, PAGE)


@post(f"{PAGE}/{{label_id:uuid}}/delete", opt=WRITE)
async def delete_label(request: AnyRequest, label_id: FromPath[UUID]) -> Response[Any]:
    """Delete a label and take it off every conversation."""
    await labels.delete_label(await current_actor(request), label_id)
    await flash(request, "The label is deleted and taken off its conversations.")
    return redirect(request, PAGE)


HANDLERS = [labels_page, add_label, save_label, delete_label]
