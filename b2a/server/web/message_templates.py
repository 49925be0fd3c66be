"""Message templates: local ones with ``{{variable}}`` placeholders, and Meta's for a Cloud number.

Every member sees them and previews one with sample values (the renderer the
send path uses, so a missing or unknown variable is the same plain-words error
here as there); tenant admins write local templates and sync Meta's.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery

from b2a.errors import B2AError, Invalid
from b2a.inbox.rules import Transport
from b2a.inbox.tables import Channel
from b2a.lib.crypto import SecretBox
from b2a.lib.http import create_client
from b2a.outbox import templates
from b2a.outbox.rules import render_template
from b2a.server.flash import flash
from b2a.server.web._pages import current_actor, form_data, form_error, page, redirect
from b2a.server.websession import settings_of
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Area, Role

AnyRequest = Request[Any, Any, Any]
READ = {"area": Area.TEMPLATES}
WRITE = {"area": Area.TEMPLATES, "roles": (Role.TENANT_ADMIN,)}
PAGE = "/app/templates"
TEMPLATE = "outbox/templates.html"
ONE = "outbox/template.html"
FIELDS = ("name", "body", "language")


def parse_variables(raw: str) -> dict[str, str]:
    """``name=Ayesha`` lines as a dict; a line without ``=`` is refused by its number."""
    values: dict[str, str] = {}
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        name, equals, value = line.partition("=")
        if not equals or not name.strip():
            raise Invalid(
                f"line {number} is not name=value (for example name=Ayesha).", field="variables"
            )
        values[name.strip()] = value.strip()
    return values


def _may_write(actor: Actor) -> bool:
    return actor.is_super_admin or actor.role is Role.TENANT_ADMIN


async def _context(request: AnyRequest, **overrides: Any) -> dict[str, Any]:
    actor = await current_actor(request)
    found = await templates.list_templates(actor)
    cloud = await actor.scope.count(Channel).where(Channel.transport == Transport.CLOUD)
    context: dict[str, Any] = {
        "local": [t for t in found if t.source == "local"],
        "meta": [t for t in found if t.source == "meta"],
        "has_cloud": bool(cloud),
        "may_write": _may_write(actor),
        "values": {"language": "en"},
    }
    return {**context, **overrides}


@get(PAGE, opt=READ, name="templates")
async def templates_page(request: AnyRequest) -> Response[Any]:
    """Local and Meta templates, and the form for a new one."""
    return await page(request, TEMPLATE, **await _context(request))


@post(PAGE, opt=WRITE)
async def add_template(request: AnyRequest) -> Response[Any]:
    """A new local template; its variables are the ``{{names}}`` in its body."""
    values = await form_data(request)
    shown = {name: values.get(name, "") for name in FIELDS}
    try:
        added = await templates.create_template(
            await current_actor(request), shown["name"], shown["body"], language=shown["language"]
        )
    except B2AError as exc:
        return await form_error(request, TEMPLATE, exc, **await _context(request, values=shown))
    await flash(request, f"The template {added.name} is saved.")
    return redirect(request, f"{PAGE}/{added.id}")


@post(f"{PAGE}/sync", opt=WRITE)
async def sync_templates(request: AnyRequest) -> Response[Any]:
    """Mirror the Cloud API number's templates and their approval status from Meta."""
    settings = settings_of(request)
    try:
        async with create_client() as http:
            done = await templates.sync_meta_templates(
                await current_actor(request),
                http=http,
                box=SecretBox(settings.core.encryption_key),
                graph_url=settings.whatsapp.graph_url,
            )
    except B2AError as exc:
        return await form_error(request, TEMPLATE, exc, **await _context(request))
    await flash(
        request,
        f"Synced with Meta: {done.created} new, {done.updated} updated, "
        f"{done.disabled} no longer listed.",
    )
    return redirect(request, PAGE)


async def _one(request: AnyRequest, template_id: UUID, **extra: Any) -> dict[str, Any]:
    actor = await current_actor(request)
    found = await templates.get_template(actor, template_id)
    values = {"name": found.name, "body": found.body, "language": found.language}
    context = {"entry": found, "values": values, "may_write": _may_write(actor)}
    blank = "\n".join(f"{name}=" for name in found.variables)
    return {**context, "sample": blank, "preview": None, **extra}


@get(f"{PAGE}/{{template_id:uuid}}", opt=READ)
async def template_page(
    request: AnyRequest, template_id: FromPath[UUID], sample: FromQuery[str | None] = None
) -> Response[Any]:
    """One template: its edit form and a preview with sample values (``?sample=``)."""
    context = await _one(request, template_id)
    if sample is None:
        return await page(request, ONE, **context)
    try:
        preview = render_template(context["entry"].body, parse_variables(sample))
    except B2AError as exc:
        return await form_error(request, ONE, exc, **{**context, "sample": sample})
    return await page(request, ONE, **{**context, "sample": sample, "preview": preview})


@post(f"{PAGE}/{{template_id:uuid}}", opt=WRITE)
async def save_template(request: AnyRequest, template_id: FromPath[UUID]) -> Response[Any]:
    """A local template's name, body and language."""
    values = await form_data(request)
    shown = {name: values.get(name, "") for name in FIELDS}
    try:
        await templates.update_template(
            await current_actor(request),
            template_id,
            shown["name"],
            shown["body"],
            language=shown["language"],
        )
    except B2AError as exc:
        context = await _one(request, template_id)
        return await form_error(request, ONE, exc, **{**context, "values": shown})
    await flash(request, "The template is saved.")
    return redirect(request, f"{PAGE}/{template_id}")


@post(f"{PAGE}/{{template_id:uuid}}/delete", opt=WRITE)
async def delete_template(request: AnyRequest, template_id: FromPath[UUID]) -> Response[Any]:
    """Delete a local template no pending scheduled message needs."""
    try:
        await templates.delete_template(await current_actor(request), template_id)
    except B2AError as exc:
        return await form_error(request, ONE, exc, **await _one(request, template_id))
    await flash(request, "The template is deleted.")
    return redirect(request, PAGE)


HANDLERS = [
    templates_page,
    add_template,
    sync_templates,
    template_page,
    save_template,
    delete_template,
]
