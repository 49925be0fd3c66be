"""Onboarding: a tenant admin connects the business's one WhatsApp number, or tries the sandbox.

Three ways to connect (SPEC §3), each over the domain functions the REST API
uses: WhatsApp-Web by QR code or pairing code (``inbox.web_session``; the
session itself runs in ``b2a whatsapp`` and the page follows it by polling a
fragment every 2 s, each wait with its countdown), the Cloud API
(``inbox.cloud_setup``, which asks Meta before storing anything), and the
sandbox (``inbox.simulator``). A refusal because the other transport holds
the number is shown in plain words with the way out, instead of the API's
wording.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.response import Template

from b2a.errors import B2AError, Conflict
from b2a.inbox import cloud_setup, simulator, web_session
from b2a.inbox.rules import ChannelState
from b2a.inbox.web_session import WebSessionView
from b2a.lib.crypto import SecretBox
from b2a.lib.http import create_client
from b2a.server.csrf import csrf_token
from b2a.server.flash import flash
from b2a.server.web._pages import current_actor, form_data, form_error, page, redirect
from b2a.server.web.qr import qr_svg
from b2a.server.websession import redis_of, settings_of
from b2a.tenants.overview import workspace
from b2a.tenants.rules import Area
from b2a.whatsapp.cloud_api import CloudCredentials

AnyRequest = Request[Any, Any, Any]
CONNECT = {"area": Area.SETTINGS}
WEB_PAGE = "/app/onboarding/web"
CLOUD_PAGE = "/app/onboarding/cloud"
SANDBOX_PAGE = "/app/sandbox"
CLOUD_FIELDS = ("phone_number_id", "waba_id", "access_token", "app_secret", "verify_token")
# Fields shown again after an error; the secrets are typed again, never echoed.
CLOUD_ECHO = ("phone_number_id", "waba_id", "verify_token")

# The one-number rule in the words of these pages (the API's messages name endpoints).
PLAIN_REFUSALS = {
    "CLOUD_API_CONNECTED": (
        "This business's number is connected through the WhatsApp Cloud API, and a number "
        "uses one connection at a time. Disconnect it on the Cloud API page first, then "
        "connect WhatsApp-Web."
    ),
    "WEB_SESSION_ACTIVE": (
        "This business's number is connected through WhatsApp-Web, and a number uses one "
        "connection at a time. Log out (or drop it) on the WhatsApp-Web page first, then "
        "connect the Cloud API."
    ),
}


def _plain(exc: B2AError) -> B2AError:
    """The domain's refusal, reworded for these pages when it is the one-number rule."""
    text = PLAIN_REFUSALS.get(exc.code)
    return Conflict(text, code=exc.code) if text else exc


def _base_url(request: AnyRequest) -> str:
    """Where Meta reaches this appliance: B2A_SERVER_PUBLIC_URL, else the address asked."""
    return settings_of(request).server.public_url or str(request.base_url)


def _box(request: AnyRequest) -> SecretBox:
    return SecretBox(settings_of(request).core.encryption_key)


@get("/app/onboarding", opt=CONNECT, name="onboarding")
async def choose(request: AnyRequest) -> Response[Any]:
    """The ways to connect, and what is connected now."""
    found = await workspace(await current_actor(request))
    return await page(request, "onboarding/index.html", channels=found.channels if found else [])


# WhatsApp-Web: QR code or pairing code.


def _live_context(view: WebSessionView) -> dict[str, Any]:
    """What the live fragment draws; it keeps polling while a session is on its way."""
    return {
        "view": view,
        "qr": qr_svg(view.qr) if view.qr else None,
        "polling": view.wants_session and view.state != ChannelState.CONNECTED,
    }


async def _web_context(request: AnyRequest) -> dict[str, Any]:
    view = await web_session.session_view((await current_actor(request)).scope, redis_of(request))
    return {"phone": request.query_params.get("phone", ""), **_live_context(view)}


@get(WEB_PAGE, opt=CONNECT, name="onboarding-web")
async def web_page(request: AnyRequest) -> Response[Any]:
    """The QR code or pairing code with its countdown, and the controls."""
    return await page(request, "onboarding/web.html", **await _web_context(request))


@get(f"{WEB_PAGE}/live", opt=CONNECT)
async def web_live(request: AnyRequest) -> Template:
    """The live part of the page alone (htmx polls it every 2 s)."""
    view = await web_session.session_view((await current_actor(request)).scope, redis_of(request))
    context = {**_live_context(view), "csrf": await csrf_token(request)}
    return Template(template_name="onboarding/_web_live.html", context=context)


@post(f"{WEB_PAGE}/start", opt=CONNECT)
async def web_start(request: AnyRequest) -> Response[Any]:
    """Start the session: it reconnects, or shows a QR code to scan."""
    try:
        await web_session.start_session((await current_actor(request)).scope, redis_of(request))
    except B2AError as exc:
        context = await _web_context(request)
        return await form_error(request, "onboarding/web.html", _plain(exc), **context)
    return redirect(request, WEB_PAGE)


@post(f"{WEB_PAGE}/pairing-code", opt=CONNECT)
async def web_pairing_code(request: AnyRequest) -> Response[Any]:
    """Ask for an 8-character code to type on the phone instead of scanning."""
    values = await form_data(request)
    phone = values.get("phone", "")
    try:
        await web_session.request_pairing_code(
            (await current_actor(request)).scope, redis_of(request), phone
        )
    except B2AError as exc:
        context = {**await _web_context(request), "phone": phone}
        return await form_error(request, "onboarding/web.html", _plain(exc), **context)
    return redirect(request, f"{WEB_PAGE}?{urlencode({'phone': phone.strip()})}")


@post(f"{WEB_PAGE}/drop", opt=CONNECT)
async def web_drop(request: AnyRequest) -> Response[Any]:
    """Give WhatsApp-Web up at once (cancel a wait, or clear a failure)."""
    await web_session.drop_session((await current_actor(request)).scope, redis_of(request))
    await flash(
        request,
        "WhatsApp-Web is dropped: nothing holds your number, so you can connect it any way.",
        "info",
    )
    return redirect(request, WEB_PAGE)


@post(f"{WEB_PAGE}/logout", opt=CONNECT)
async def web_logout(request: AnyRequest) -> Response[Any]:
    """Unlink this appliance from the phone's WhatsApp; pairing again needs a new code."""
    try:
        await web_session.logout_session((await current_actor(request)).scope, redis_of(request))
    except B2AError as exc:
        context = await _web_context(request)
        return await form_error(request, "onboarding/web.html", exc, **context)
    await flash(request, "Logged out: this appliance forgot the pairing.", "info")
    return redirect(request, WEB_PAGE)


# The Cloud API.


async def _cloud_context(request: AnyRequest, **context: Any) -> dict[str, Any]:
    connection = await cloud_setup.cloud_connection(
        await current_actor(request), box=_box(request), base_url=_base_url(request)
    )
    return {"connection": connection, **context}


@get(CLOUD_PAGE, opt=CONNECT, name="onboarding-cloud")
async def cloud_page(request: AnyRequest) -> Response[Any]:
    """The credentials form, the callback URL and verify token for Meta, and disconnect."""
    return await page(request, "onboarding/cloud.html", **await _cloud_context(request))


@post(CLOUD_PAGE, opt=CONNECT)
async def cloud_connect(request: AnyRequest) -> Response[Any]:
    """Check the credentials with Meta, then store them; nothing is saved if Meta says no."""
    values = await form_data(request)
    credentials = CloudCredentials(**{name: values.get(name, "") for name in CLOUD_FIELDS})
    settings = settings_of(request)
    try:
        async with create_client() as http:
            connection = await cloud_setup.connect_cloud(
                await current_actor(request),
                credentials,
                http=http,
                box=_box(request),
                graph_url=settings.whatsapp.graph_url,
                base_url=_base_url(request),
            )
    except B2AError as exc:
        echo = {name: values.get(name, "") for name in CLOUD_ECHO}
        context = await _cloud_context(request, values=echo)
        return await form_error(request, "onboarding/cloud.html", _plain(exc), **context)
    await flash(request, f"Meta accepted the credentials: {connection.display_phone} is connected.")
    return redirect(request, CLOUD_PAGE)


@post(f"{CLOUD_PAGE}/disconnect", opt=CONNECT)
async def cloud_disconnect(request: AnyRequest) -> Response[Any]:
    """Stop receiving and sending through the Cloud API; conversations stay."""
    await cloud_setup.disconnect_cloud(
        await current_actor(request), box=_box(request), base_url=_base_url(request)
    )
    await flash(request, "The Cloud API number is disconnected; its conversations stay.", "info")
    return redirect(request, CLOUD_PAGE)


# The sandbox.


@post("/app/onboarding/sandbox", opt=CONNECT)
async def sandbox(request: AnyRequest) -> Response[Any]:
    """Create the sandbox channel and go and chat with the business as a customer."""
    await simulator.ensure_sandbox_channel(await current_actor(request))
    return redirect(request, SANDBOX_PAGE)


HANDLERS = [
    choose,
    web_page,
    web_live,
    web_start,
    web_pairing_code,
    web_drop,
    web_logout,
    cloud_page,
    cloud_connect,
    cloud_disconnect,
    sandbox,
]
