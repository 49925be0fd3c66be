"""Customers: the directory page, a customer's page, CSV in and out, contact cards, GDPR.

Every member searches, adds, edits and tags customers and imports the
directory; only tenant admins export it (``b2a.customers``, the same functions
as ``/api/v1/customers``).
An import is checked first: the page shows every bad line with its reason and
imports nothing until the file is clean, then offers to import what it checked.
Any member adds the person on a contact card (``inbox.contact_cards``, as
``/api/v1/customers/from-contact-card``); only tenant admins download or erase
a customer's data.

The same ``privacy.customers`` functions as ``/api/v1/customers/{id}``. Erasing
cannot be undone, so the form asks for the word ERASE typed out; anything else
brings the admin back to the conversation with the reason.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery
from litestar.response import File

from b2a.customers import rules, service, transfer
from b2a.customers.schemas import CustomerCreate, CustomerUpdate, ImportReport
from b2a.errors import B2AError, Invalid, NotFound
from b2a.inbox import contact_cards, labels
from b2a.inbox.contact_cards import ContactCardIn
from b2a.inbox.tables import Customer, Message
from b2a.privacy import customers
from b2a.server.files import download_headers
from b2a.server.flash import flash
from b2a.server.web._pages import current_actor, form_data, form_error, page, redirect
from b2a.server.websession import settings_of
from b2a.tenants.rules import Area, Role

AnyRequest = Request[Any, Any, Any]
CUSTOMERS = {"area": Area.CUSTOMERS}
CUSTOMER_DATA = {"area": Area.CUSTOMERS, "roles": (Role.TENANT_ADMIN,)}
LIST = "/app/customers"
PAGE = "/app/customers/{customer_id:uuid}"
LIST_TEMPLATE = "customers/index.html"
CUSTOMER_TEMPLATE = "customers/customer.html"
CONFIRMATION = "ERASE"
# The multipart envelope around the file, and the checked text sent back to import.
MULTIPART_SLACK = 64 * 1024


async def _list_context(request: AnyRequest, **extra: Any) -> dict[str, Any]:
    actor = await current_actor(request)
    params = request.query_params
    q, tag = params.get("q", ""), params.get("tag", "")
    found = await service.list_customers(actor, q=q, tag=tag, cursor=params.get("cursor"))
    return {
        "customers": found.items,
        "next_cursor": found.next_cursor,
        "q": q,
        "tag": tag,
        "labels": await labels.list_labels(actor),
        "report": None,
        "checked": "",
        "adding": False,
        **extra,
    }


@get(LIST, opt=CUSTOMERS, name="customers")
async def customers_page(request: AnyRequest) -> Response[Any]:
    """The directory: search by name or number, filter by tag, import, export, add."""
    return await page(request, LIST_TEMPLATE, **await _list_context(request))


@post(LIST, opt=CUSTOMERS)
async def create_customer(request: AnyRequest) -> Response[Any]:
    """A customer added by hand; their page opens."""
    values = await form_data(request)
    data = CustomerCreate(
        phone=values.get("phone", ""),
        name=values.get("name", ""),
        email=values.get("email", ""),
        address=values.get("address", ""),
    )
    try:
        added = await service.create_customer(await current_actor(request), data)
    except B2AError as exc:
        context = await _list_context(request, values=values, adding=True)
        return await form_error(request, LIST_TEMPLATE, exc, **context)
    await flash(request, f"{added.name or 'The customer'} is added.")
    return redirect(request, f"{LIST}/{added.id}")


@get(f"{LIST}/export", opt=CUSTOMER_DATA)
async def export_customers(
    request: AnyRequest, q: FromQuery[str] = "", tag: FromQuery[str] = ""
) -> Response[str]:
    """The customers the page shows (all of them without a search) as a CSV file."""
    text = await transfer.export_customers(await current_actor(request), q=q, tag=tag)
    return Response(
        content=text,
        media_type="text/csv; charset=utf-8",
        headers=download_headers("customers.csv"),
    )


@post(
    f"{LIST}/import",
    opt=CUSTOMERS,
    request_max_body_size=2 * rules.MAX_BYTES + MULTIPART_SLACK,
)
async def import_customers(request: AnyRequest) -> Response[Any]:
    """Check a file (``check``) or import it; the page shows the report line by line.

    A file that passed its check comes back as the ``checked`` text, so the
    confirmation imports exactly what was checked without choosing it again.
    """
    form = await request.form()
    values = await form_data(request)
    upload = form.get("file")
    data = await upload.read() if isinstance(upload, UploadFile) else b""
    data = data or values.get("checked", "").encode()
    dry_run = values.get("action") == "check"
    try:
        if not data:
            raise Invalid("choose a CSV file first.", field="file")
        report = await transfer.import_customers(
            await current_actor(request), data, dry_run=dry_run
        )
    except B2AError as exc:
        return await form_error(request, LIST_TEMPLATE, exc, **await _list_context(request))
    if report.imported:
        await flash(request, _imported(report))
        return redirect(request, LIST)
    checked = data.decode("utf-8-sig") if not report.problems else ""
    context = await _list_context(request, report=report, checked=checked)
    return await page(request, LIST_TEMPLATE, status=422 if report.problems else 200, **context)


def _imported(report: ImportReport) -> str:
    return (
        f"Imported {report.rows} customer{'s' if report.rows != 1 else ''}: "
        f"{report.created} new, {report.updated} updated."
    )


async def _customer_context(request: AnyRequest, customer_id: UUID, **extra: Any) -> dict[str, Any]:
    actor = await current_actor(request)
    return {
        "customer": await service.get_customer(actor, customer_id),
        "labels": await labels.list_labels(actor),
        "may_manage_data": actor.is_super_admin or actor.role is Role.TENANT_ADMIN,
        **extra,
    }


@get(PAGE, opt=CUSTOMERS)
async def customer_page(request: AnyRequest, customer_id: FromPath[UUID]) -> Response[Any]:
    """One customer: details to edit, tags, their conversations and orders."""
    return await page(request, CUSTOMER_TEMPLATE, **await _customer_context(request, customer_id))


@post(PAGE, opt=CUSTOMERS)
async def update_customer(request: AnyRequest, customer_id: FromPath[UUID]) -> Response[Any]:
    """Save the name, email and address."""
    values = await form_data(request)
    change = CustomerUpdate(
        name=values.get("name", ""),
        email=values.get("email", ""),
        address=values.get("address", ""),
    )
    return await _update(request, customer_id, change, values)


@post(f"{PAGE}/tags", opt=CUSTOMERS)
async def tag_customer(request: AnyRequest, customer_id: FromPath[UUID]) -> Response[Any]:
    """Set the customer's tags: the ticked labels, and a new one if typed."""
    form = await request.form()
    values = await form_data(request)
    chosen = [str(v) for v in form.getall("tag", []) if isinstance(v, str)]
    new = values.get("new_tag", "").strip()
    return await _update(
        request, customer_id, CustomerUpdate(tags=[*chosen, *([new] if new else [])]), values
    )


async def _update(
    request: AnyRequest, customer_id: UUID, change: CustomerUpdate, values: dict[str, str]
) -> Response[Any]:
    try:
        await service.update_customer(await current_actor(request), customer_id, change)
    except B2AError as exc:
        context = await _customer_context(request, customer_id, values=values)
        return await form_error(request, CUSTOMER_TEMPLATE, exc, **context)
    await flash(request, "Saved.")
    return redirect(request, f"{LIST}/{customer_id}")


@get(f"{PAGE}/export", opt=CUSTOMER_DATA)
async def export_customer(request: AnyRequest, customer_id: FromPath[UUID]) -> File:
    """A zip of everything stored about the customer: customer.json and their media."""
    path = await customers.export_customer(
        await current_actor(request), customer_id, media_root=settings_of(request).core.media_root
    )
    name = f"customer-{customer_id}.zip"
    return File(
        path=path,
        filename=name,
        media_type="application/zip",
        headers=download_headers(name),
        background=BackgroundTask(path.unlink, missing_ok=True),
    )


@post(f"{PAGE}/erase", opt=CUSTOMER_DATA)
async def erase_customer(request: AnyRequest, customer_id: FromPath[UUID]) -> Response[Any]:
    """Erase the customer once the admin typed ERASE; then the inbox or the customers page."""
    actor = await current_actor(request)
    await actor.scope.get(Customer, customer_id)  # another business's customer: 404 either way
    values = await form_data(request)
    back = values.get("back", "")
    home = LIST if back.startswith(f"{LIST}/") else "/app/inbox"
    if values.get("confirm", "").strip() != CONFIRMATION:
        await flash(request, f"Nothing was erased: type {CONFIRMATION} to confirm.", "error")
        return redirect(request, back if back.startswith(("/app/inbox/", f"{LIST}/")) else home)
    files = await customers.erase_customer(
        actor, customer_id, media_root=settings_of(request).core.media_root
    )
    await flash(
        request, f"The customer and their conversations are erased ({files} files removed)."
    )
    return redirect(request, home)


@post("/app/inbox/messages/{message_id:uuid}/add-contact", opt={"area": Area.CUSTOMERS})
async def add_from_card(request: AnyRequest, message_id: FromPath[UUID]) -> Response[Any]:
    """The card's person as a customer (or the one already known): their conversation opens.

    Another business's message is a 404 like any other; a card WhatsApp cannot
    reach comes back to the conversation with why.
    """
    actor = await current_actor(request)
    message = await actor.scope.get(Message, message_id)
    values = await form_data(request)
    card = values.get("card", "0")
    try:
        choice = ContactCardIn(message_id, int(card) if card.isdigit() else -1)
        added = await contact_cards.add_card_as_customer(actor, choice)
    except (Invalid, NotFound) as exc:
        await flash(request, f"Nobody was added: {exc}", "error")
        return redirect(request, f"/app/inbox/{message.conversation}")
    who = added.name or f"+{added.phone}"
    done = "is now a customer" if added.created else "was already a customer"
    await flash(request, f"{who} {done}: write to them here.")
    return redirect(request, f"/app/inbox/{added.conversation_id}")


HANDLERS: list[Any] = [
    customers_page,
    create_customer,
    export_customers,
    import_customers,
    customer_page,
    update_customer,
    tag_customer,
    export_customer,
    erase_customer,
    add_from_card,
]
