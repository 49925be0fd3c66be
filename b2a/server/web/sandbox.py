"""The sandbox: chat with the business as a customer, through the same pipeline as WhatsApp.

The page plays one simulated customer, named by their number in the address
(``?phone=``), so a reload keeps the chat and "New customer" starts another
one. Messages go through ``inbox.simulator`` exactly as the REST API's sandbox
does; the business's replies (greeting, assistant, an agent in the inbox)
appear as the worker stores them, ``static/js/inbox.js`` fetching the chat
again on each live event.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.response import Template

from b2a.errors import B2AError
from b2a.inbox import simulator
from b2a.server.csrf import csrf_token
from b2a.server.web._pages import (
    current_actor,
    form_data,
    form_error,
    page,
    reader_zone,
    redirect,
)
from b2a.tenants.rules import Area

AnyRequest = Request[Any, Any, Any]
SANDBOX = {"area": Area.INBOX}
PAGE = "/app/sandbox"
TEMPLATE = "sandbox/index.html"


def new_customer_phone() -> str:
    """A number no real customer has: +99 is not assigned to any country."""
    return "+99" + "".join(secrets.choice("0123456789") for _ in range(10))


async def _chat(request: AnyRequest, phone: str, name: str) -> dict[str, Any]:
    messages = await simulator.simulator_thread(await current_actor(request), phone)
    return {"phone": phone, "name": name, "messages": messages}


@get(PAGE, opt=SANDBOX, name="sandbox")
async def sandbox(request: AnyRequest) -> Response[Any]:
    """The phone-like chat of one simulated customer (a new one without ``?phone=``)."""
    phone = request.query_params.get("phone") or new_customer_phone()
    name = request.query_params.get("name", "")
    try:
        context = await _chat(request, phone, name)
    except B2AError as exc:
        context = await _chat(request, new_customer_phone(), name)
        return await form_error(request, TEMPLATE, exc, **context)
    return await page(request, TEMPLATE, **context)


@get(f"{PAGE}/chat", opt=SANDBOX)
async def chat(request: AnyRequest) -> Template:
    """The chat alone (inbox.js fetches it again on a live event)."""
    context = await _chat(request, request.query_params.get("phone", ""), "")
    return Template(
        template_name="sandbox/_chat.html",
        context={**context, "csrf": await csrf_token(request), "tz": await reader_zone(request)},
    )


@post(f"{PAGE}/send", opt={**SANDBOX, "inbound_text": True})
async def send(request: AnyRequest) -> Response[Any]:
    """Send a message as the customer; the business answers as it would on WhatsApp.

    The words are a customer's (``inbound_text``): a control character is kept
    replaced, as WhatsApp's would be, not refused (``server/edge.py``).
    """
    values = await form_data(request)
    phone, name = values.get("phone", ""), values.get("name", "")
    try:
        await simulator.simulate_customer_message(
            await current_actor(request), phone=phone, text=values.get("text", ""), name=name
        )
    except B2AError as exc:
        shown = new_customer_phone() if exc.field == "phone" else phone
        context = await _chat(request, shown, name)
        return await form_error(request, TEMPLATE, exc, values=values, **context)
    query = {"phone": phone, **({"name": name} if name else {})}
    return redirect(request, f"{PAGE}?{urlencode(query)}")


HANDLERS = [sandbox, chat, send]
