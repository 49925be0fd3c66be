"""The sandbox: chat with the business as a test customer, through the same pipeline as WhatsApp.

The page lists the tenant's named test customers (``inbox.simulator``) to
reopen any of them (``?customer=<id>``). Without a choice it opens a blank
"new test customer": nothing is made until the first message is sent (or the
customer is created without one), and then the chat moves to that customer's
address, so a reload keeps it. ``?phone=`` still opens the chat of a number of
one's own choosing (scripts and bookmarks from before test customers).

Messages go through ``inbox.simulator`` exactly as the REST API's sandbox
does; the business's replies (greeting, assistant, an agent in the inbox)
appear as the worker stores them, ``static/js/inbox.js`` fetching the chat
again on each live event.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.response import Template

from b2a.errors import B2AError, Invalid
from b2a.inbox import simulator
from b2a.inbox.schemas import MessageOut, SandboxCustomerOut
from b2a.server.csrf import csrf_token
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
SANDBOX = {"area": Area.INBOX}
PAGE = "/app/sandbox"
TEMPLATE = "sandbox/index.html"


def _customer_id(raw: str) -> UUID | None:
    try:
        return UUID(raw) if raw else None
    except ValueError:
        return None


async def _chat(actor: Actor, customer_id: UUID | None, phone: str) -> dict[str, Any]:
    """The chat open on the page: a test customer's, a number's, or none yet (a new one)."""
    customer: SandboxCustomerOut | None = None
    messages: list[MessageOut] = []
    if customer_id is not None:
        customer = await simulator.get_test_customer(actor, customer_id)
        messages = await simulator.thread_of_test_customer(actor, customer_id)
        phone = customer.phone
    elif phone:
        messages = await simulator.simulator_thread(actor, phone)
    return {"customer": customer, "phone": phone, "messages": messages}


async def _context(request: AnyRequest, customer_id: UUID | None, phone: str) -> dict[str, Any]:
    actor = await current_actor(request)
    return {
        **await _chat(actor, customer_id, phone),
        "customers": await simulator.list_test_customers(actor),
    }


async def _shown(request: AnyRequest, customer_id: UUID | None, phone: str) -> dict[str, Any]:
    """The page to show with an error: the same chat, or a new one when that one cannot open."""
    try:
        return await _context(request, customer_id, phone)
    except B2AError:
        return await _context(request, None, "")


@get(PAGE, opt=SANDBOX, name="sandbox")
async def sandbox(request: AnyRequest) -> Response[Any]:
    """The test customers, and the phone-like chat of the one chosen (or of a new one)."""
    customer_id = _customer_id(request.query_params.get("customer", ""))
    phone = request.query_params.get("phone", "")
    try:
        context = await _context(request, customer_id, phone)
    except B2AError as exc:
        return await form_error(request, TEMPLATE, exc, **await _context(request, None, ""))
    return await page(request, TEMPLATE, **context)


@get(f"{PAGE}/chat", opt=SANDBOX)
async def chat(request: AnyRequest) -> Template:
    """The chat alone (inbox.js fetches it again on a live event)."""
    context = await _chat(
        await current_actor(request),
        _customer_id(request.query_params.get("customer", "")),
        request.query_params.get("phone", ""),
    )
    return Template(
        template_name="sandbox/_chat.html",
        context={**context, "csrf": await csrf_token(request), "tz": await reader_zone(request)},
    )


@get(f"{PAGE}/customers", opt=SANDBOX)
async def people(request: AnyRequest) -> Template:
    """The list of test customers alone (inbox.js fetches it again on a live event)."""
    actor = await current_actor(request)
    customer_id = _customer_id(request.query_params.get("customer", ""))
    customers = await simulator.list_test_customers(actor)
    return Template(
        template_name="sandbox/_people.html",
        context={
            "customers": customers,
            "customer": next((c for c in customers if c.id == customer_id), None),
            "tz": await reader_zone(request),
        },
    )


@post(f"{PAGE}/customers", opt={**SANDBOX, "inbound_text": True})
async def new_customer(request: AnyRequest) -> Response[Any]:
    """Make a test customer (the name is optional) and send their first message, if any."""
    values = await form_data(request)
    actor = await current_actor(request)
    try:
        made = await simulator.create_test_customer(actor, name=values.get("name", ""))
    except B2AError as exc:
        return await form_error(
            request, TEMPLATE, exc, values=values, **await _context(request, None, "")
        )
    if values.get("text", "").strip():
        await simulator.send_as_test_customer(actor, made.id, text=values["text"])
    return redirect(request, f"{PAGE}?{urlencode({'customer': str(made.id)})}")


@post(f"{PAGE}/send", opt={**SANDBOX, "inbound_text": True})
async def send(request: AnyRequest) -> Response[Any]:
    """Send a message as the customer; the business answers as it would on WhatsApp.

    The words are a customer's (``inbound_text``): a control character is kept
    replaced, as WhatsApp's would be, not refused (``server/edge.py``).
    """
    values = await form_data(request)
    customer_id = _customer_id(values.get("customer", ""))
    phone = values.get("phone", "")
    actor = await current_actor(request)
    try:
        if customer_id is not None:
            await simulator.send_as_test_customer(actor, customer_id, text=values.get("text", ""))
        elif phone:
            await simulator.simulate_customer_message(
                actor, phone=phone, text=values.get("text", ""), name=values.get("name", "")
            )
        else:
            raise Invalid("choose a test customer, or make a new one, first.", field="customer")
    except B2AError as exc:
        context = await _shown(request, customer_id, "" if exc.field == "phone" else phone)
        return await form_error(request, TEMPLATE, exc, values=values, **context)
    query = {"customer": str(customer_id)} if customer_id else {"phone": phone}
    return redirect(request, f"{PAGE}?{urlencode(query)}")


HANDLERS = [sandbox, chat, people, new_customer, send]
