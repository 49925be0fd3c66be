"""Rendering pages: the layout's shared context, forms, redirects and form errors.

Every page handler returns ``page(request, "<area>/<name>.html", **context)``;
the layout gets the visitor, their menu, the flash messages and the CSRF token
from here, so no handler has to remember them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from litestar import Request, Response
from litestar.response import Redirect, Template

from b2a.errors import B2AError, ConfigError, Unauthorized
from b2a.lib import events
from b2a.server.csrf import csrf_token
from b2a.server.errors import status_for
from b2a.server.flash import take_flashes
from b2a.server.headers import growth_policy
from b2a.server.web.nav import nav_for
from b2a.server.websession import redis_of, settings_of, visit
from b2a.system.platform import Growth, growth
from b2a.tenants.actor import Actor
from b2a.tenants.locale import business_zone
from b2a.tenants.notices import NoticeOut, banners
from b2a.tenants.notifications import NotificationChoice, notification_choice
from b2a.tenants.rules import Area

AnyRequest = Request[Any, Any, Any]
ZONE_KEY = "b2a.zone"


@dataclass(frozen=True)
class LivePage:
    """What live.js needs on every page of a member's panel (base.html puts it on <body>).

    ``since`` is the tenant's newest event id as the page was drawn: the page's
    event stream starts after it, so nothing that happens in between is lost.
    """

    since: str
    notify: NotificationChoice


async def page(
    request: AnyRequest, template: str, *, status: int = 200, **context: Any
) -> Template:
    """A full page in the layout."""
    found = await visit(request)
    shared: dict[str, Any] = {
        "actor": found.actor,
        "nav": nav_for(found.actor),
        "flashes": await take_flashes(request),
        "csrf": await csrf_token(request),
        "path": request.url.path,
        "error": None,
        "field": None,
        "values": {},
        "growth": Growth(),
        "tz": await reader_zone(request),
        "whatsapp_notices": await _banners(found.actor),
        "live": await _live(request, found.actor),
    }
    headers: dict[str, str] = {}
    if request.route_handler.opt.get("public"):
        tags = await growth()
        shared["growth"] = tags
        if tags.google_analytics or tags.facebook_pixel:
            headers["content-security-policy"] = growth_policy(
                google_analytics=bool(tags.google_analytics),
                facebook_pixel=bool(tags.facebook_pixel),
            )
    return Template(
        template_name=template,
        context={**shared, **context},
        status_code=status,
        headers=headers,
    )


async def _banners(actor: Actor | None) -> list[NoticeOut]:
    """What WhatsApp said that the business must see, on every page of its panel."""
    if actor is None or actor.tenant_id is None:
        return []
    return await banners(actor.scope)


async def _live(request: AnyRequest, actor: Actor | None) -> LivePage | None:
    """The live events' start and the user's notifications, for members who see the inbox."""
    if actor is None or actor.tenant_id is None or not actor.may(Area.INBOX):
        return None
    since = await events.last_id(redis_of(request), str(actor.tenant_id))
    return LivePage(since=since, notify=await notification_choice(actor))


async def reader_zone(request: AnyRequest) -> ZoneInfo:
    """The zone this visitor reads times in: their business's, else (the operator) UTC.

    Every page and fragment with times passes it to the templates as ``tz``,
    which the ``localtime`` filter reads. Read once per request: a handler
    that needs it too (the inbox's 24-hour window) gets the same answer.
    """
    cached: ZoneInfo | None = request.scope.get(ZONE_KEY)  # type: ignore[assignment]
    if cached is not None:
        return cached
    actor = (await visit(request)).actor
    if actor is None or actor.tenant_id is None:
        zone = ZoneInfo("UTC")
    else:
        zone = await business_zone(actor.tenant_id)
    request.scope[ZONE_KEY] = zone  # type: ignore[literal-required]
    return zone


async def form_error(request: AnyRequest, template: str, exc: B2AError, **context: Any) -> Template:
    """The same page again with the error shown next to its field (or above the form)."""
    return await page(
        request, template, status=status_for(exc), error=exc.message, field=exc.field, **context
    )


async def form_data(request: AnyRequest) -> dict[str, str]:
    """The submitted form as plain strings (the first value of each field)."""
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def redirect(request: AnyRequest, to: str) -> Response[Any]:
    """Go to ``to`` after a form: a 303 for browsers, ``HX-Redirect`` for htmx."""
    if request.headers.get("hx-request"):
        return Response(content=None, status_code=204, headers={"HX-Redirect": to})
    return Redirect(path=to, status_code=303)


def safe_next(target: str | None, default: str = "/app") -> str:
    """A local path to continue to after login; anything else (other sites) becomes ``default``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def login_url(request: AnyRequest) -> str:
    """The login page, coming back here afterwards."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/login?next={quote(here, safe='/')}"


def link_base(request: AnyRequest) -> str:
    """Where links in emails point: ``B2A_SERVER_PUBLIC_URL``, else this request's address.

    In production the public address is required, since the Host header of a
    request can be forged to send reset links to another site.
    """
    settings = settings_of(request)
    if settings.server.public_url:
        return settings.server.public_url
    if settings.core.is_production:
        raise ConfigError(
            "set B2A_SERVER_PUBLIC_URL to the appliance's https address: emails carry links."
        )
    return str(request.base_url).rstrip("/")


async def current_actor(request: AnyRequest) -> Actor:
    """The logged-in actor (pages behind login only; the router guarantees one)."""
    found = await visit(request)
    if found.actor is None:
        raise Unauthorized("log in first.")
    return found.actor
