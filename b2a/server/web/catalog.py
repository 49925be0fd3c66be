"""Services and FAQ: what the assistant may sell and answer (every member reads, admins write).

One page lists both with their forms; a service or an FAQ entry is edited on
its own page. Prices are typed in the tenant's currency as people write them
("1,500", "1500.50"): thousands commas are dropped here, the rest is the
catalogue's own parsing (``catalog.money``), so a refused price comes back
next to its field with what was typed.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.params import FromPath

from b2a.catalog import service as catalog
from b2a.catalog import transfer
from b2a.catalog.schemas import FaqIn, FaqUpdate, ServiceIn, ServiceUpdate
from b2a.errors import B2AError, Invalid
from b2a.orders import service as orders
from b2a.orders.rules import OrdersNeed
from b2a.server.api.catalog import MULTIPART_SLACK, uploaded_csv
from b2a.server.flash import flash
from b2a.server.web._pages import current_actor, form_data, form_error, page, redirect
from b2a.tenants.actor import Actor
from b2a.tenants.locale import currency_of
from b2a.tenants.rules import Area, Role

AnyRequest = Request[Any, Any, Any]
READ = {"area": Area.CATALOG}
WRITE = {"area": Area.CATALOG, "roles": (Role.TENANT_ADMIN,)}
PAGE = "/app/services"
TEMPLATE = "catalog/index.html"
SERVICE_TEMPLATE = "catalog/service.html"
FAQ_TEMPLATE = "catalog/faq.html"
NEEDS = (
    (OrdersNeed.ADDRESS.value, "Delivery — we need an address"),
    (OrdersNeed.TIME.value, "Appointments — we need a time"),
    (OrdersNeed.NONE.value, "Neither"),
)
_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d*)?$")


def typed_price(raw: str) -> str:
    """``"1,500.50"`` → ``"1500.50"``; anything else is left for the catalogue to judge."""
    text = raw.strip()
    return text.replace(",", "") if _GROUPED.match(text) else text


def typed_minutes(raw: str) -> int | None:
    """``"45"`` → 45; empty → None. Whole minutes only, so "1.5" is not read as 1 or 90.

    Raises:
        Invalid: anything but digits (``field`` is ``duration_minutes``).
    """
    text = raw.strip()
    if not text:
        return None
    if not text.isdigit():
        raise Invalid(
            f"type the duration in whole minutes, e.g. 45 or 90, not {text!r}.",
            field="duration_minutes",
        )
    return int(text)


def _synonyms(raw: str) -> list[str]:
    return [word.strip() for word in re.split(r"[,\n]", raw) if word.strip()]


def _may_write(actor: Actor) -> bool:
    return actor.is_super_admin or actor.role is Role.TENANT_ADMIN


async def _context(request: AnyRequest, **overrides: Any) -> dict[str, Any]:
    actor = await current_actor(request)
    context: dict[str, Any] = {
        "services": await catalog.list_services(actor),
        "faq": await catalog.list_faq(actor),
        "may_write": _may_write(actor),
        "service_values": {"is_active": True},
        "faq_values": {"is_active": True},
        "currency": await currency_of(actor.scope.tenant_id),
        "orders_need": (await orders.read_orders_need(actor)).orders_need.value,
        "needs": NEEDS,
    }
    return {**context, **overrides}


def _service_values(values: dict[str, str]) -> dict[str, Any]:
    names = ("name", "description", "price", "synonyms", "sku", "duration_minutes")
    texts = {name: values.get(name, "") for name in names}
    return {**texts, "is_active": "is_active" in values}


@get(PAGE, opt=READ, name="services")
async def services_page(request: AnyRequest) -> Response[Any]:
    """Services with their prices, the FAQ, and (for admins) the forms to add them."""
    return await page(request, TEMPLATE, **await _context(request))


@post(PAGE, opt=WRITE)
async def add_service(request: AnyRequest) -> Response[Any]:
    """A new service at a fixed price in the tenant's currency."""
    shown = _service_values(await form_data(request))
    try:
        change = ServiceIn(
            name=shown["name"],
            price=typed_price(shown["price"]),
            description=shown["description"],
            synonyms=_synonyms(shown["synonyms"]),
            is_active=shown["is_active"],
            sku=shown["sku"],
            duration_minutes=typed_minutes(shown["duration_minutes"]),
        )
        added = await catalog.create_service(await current_actor(request), change)
    except B2AError as exc:
        context = await _context(request, service_values=shown)
        return await form_error(request, TEMPLATE, exc, **context)
    await flash(request, f"{added.name} is in the catalogue at {added.price_display}.")
    return redirect(request, PAGE)


@get(f"{PAGE}/{{service_id:uuid}}", opt=READ)
async def service_page(request: AnyRequest, service_id: FromPath[UUID]) -> Response[Any]:
    """One service's edit form."""
    actor = await current_actor(request)
    found = await catalog.get_service(actor, service_id)
    values = {
        "name": found.name,
        "description": found.description,
        "price": found.price,
        "synonyms": ", ".join(found.synonyms),
        "sku": found.sku,
        "duration_minutes": "" if found.duration_minutes is None else str(found.duration_minutes),
        "is_active": found.is_active,
    }
    return await page(
        request,
        SERVICE_TEMPLATE,
        service=found,
        values=values,
        may_write=_may_write(actor),
        currency=await currency_of(actor.scope.tenant_id),
    )


@post(f"{PAGE}/{{service_id:uuid}}", opt=WRITE)
async def save_service(request: AnyRequest, service_id: FromPath[UUID]) -> Response[Any]:
    """Name, description, price, synonyms, content ID and whether the assistant offers it."""
    actor = await current_actor(request)
    shown = _service_values(await form_data(request))
    try:
        change = ServiceUpdate(
            name=shown["name"],
            price=typed_price(shown["price"]),
            description=shown["description"],
            synonyms=_synonyms(shown["synonyms"]),
            is_active=shown["is_active"],
            sku=shown["sku"],
            duration_minutes=typed_minutes(shown["duration_minutes"]) or 0,
        )
        saved = await catalog.update_service(actor, service_id, change)
    except B2AError as exc:
        found = await catalog.get_service(actor, service_id)
        context = {
            "service": found,
            "values": shown,
            "may_write": True,
            "currency": await currency_of(actor.scope.tenant_id),
        }
        return await form_error(request, SERVICE_TEMPLATE, exc, **context)
    await flash(request, f"{saved.name} is saved ({saved.price_display}).")
    return redirect(request, PAGE)


@post(f"{PAGE}/{{service_id:uuid}}/active", opt=WRITE)
async def set_active(request: AnyRequest, service_id: FromPath[UUID]) -> Response[Any]:
    """Take a service off the catalogue (``active=off``) or put it back."""
    active = (await form_data(request)).get("active") == "on"
    saved = await catalog.update_service(
        await current_actor(request), service_id, ServiceUpdate(is_active=active)
    )
    state = "back in the catalogue" if active else "deactivated: the assistant no longer offers it"
    await flash(request, f"{saved.name} is {state}.")
    return redirect(request, PAGE)


@post(
    f"{PAGE}/import",
    opt=WRITE,
    request_max_body_size=transfer.MAX_BYTES + MULTIPART_SLACK,
)
async def import_services(request: AnyRequest) -> Response[Any]:
    """A CSV file of services, applied whole or not at all (``catalog.transfer``)."""
    try:
        done = await transfer.import_services(
            await current_actor(request), await uploaded_csv(request)
        )
    except B2AError as exc:
        return await form_error(request, TEMPLATE, exc, **await _context(request))
    await flash(request, f"Imported: {done.added} added, {done.updated} updated.")
    return redirect(request, PAGE)


@get(f"{PAGE}/export", opt=READ)
async def export_services(request: AnyRequest) -> Response[str]:
    """The services as a CSV file, in the columns the import reads."""
    return Response(
        await transfer.export_services(await current_actor(request)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="services.csv"'},
    )


def _faq_values(values: dict[str, str]) -> dict[str, Any]:
    texts = {name: values.get(name, "") for name in ("question", "answer", "synonyms")}
    return {**texts, "is_active": "is_active" in values}


@post("/app/faq", opt=WRITE)
async def add_faq(request: AnyRequest) -> Response[Any]:
    """A question and the answer the assistant gives to it."""
    shown = _faq_values(await form_data(request))
    entry = FaqIn(
        question=shown["question"],
        answer=shown["answer"],
        synonyms=_synonyms(shown["synonyms"]),
        is_active=shown["is_active"],
    )
    try:
        await catalog.create_faq_entry(await current_actor(request), entry)
    except B2AError as exc:
        context = await _context(request, faq_values=shown)
        return await form_error(request, TEMPLATE, exc, **context)
    await flash(request, "The question is in the FAQ.")
    return redirect(request, f"{PAGE}#faq")


@get("/app/faq/{entry_id:uuid}", opt=READ)
async def faq_page(request: AnyRequest, entry_id: FromPath[UUID]) -> Response[Any]:
    """One FAQ entry's edit form."""
    actor = await current_actor(request)
    found = await catalog.get_faq_entry(actor, entry_id)
    values = {
        "question": found.question,
        "answer": found.answer,
        "synonyms": ", ".join(found.synonyms),
        "is_active": found.is_active,
    }
    may_write = _may_write(actor)
    return await page(request, FAQ_TEMPLATE, entry=found, values=values, may_write=may_write)


@post("/app/faq/{entry_id:uuid}", opt=WRITE)
async def save_faq(request: AnyRequest, entry_id: FromPath[UUID]) -> Response[Any]:
    """The question, its answer, other ways customers ask it, whether the assistant uses it."""
    actor = await current_actor(request)
    shown = _faq_values(await form_data(request))
    change = FaqUpdate(
        question=shown["question"],
        answer=shown["answer"],
        synonyms=_synonyms(shown["synonyms"]),
        is_active=shown["is_active"],
    )
    try:
        await catalog.update_faq_entry(actor, entry_id, change)
    except B2AError as exc:
        found = await catalog.get_faq_entry(actor, entry_id)
        context = {"entry": found, "values": shown, "may_write": True}
        return await form_error(request, FAQ_TEMPLATE, exc, **context)
    await flash(request, "The FAQ entry is saved.")
    return redirect(request, f"{PAGE}#faq")


@post("/app/faq/{entry_id:uuid}/delete", opt=WRITE)
async def delete_faq(request: AnyRequest, entry_id: FromPath[UUID]) -> Response[Any]:
    """Remove an FAQ entry for good."""
    await catalog.delete_faq_entry(await current_actor(request), entry_id)
    await flash(request, "The FAQ entry is deleted.")
    return redirect(request, f"{PAGE}#faq")


@post(f"{PAGE}/orders-need", opt=WRITE)
async def save_orders_need(request: AnyRequest) -> Response[Any]:
    """What order requests need: an address (delivery), a time (appointments) or neither."""
    raw = (await form_data(request)).get("orders_need", "")
    try:
        if raw not in {need.value for need in OrdersNeed}:
            raise Invalid("choose delivery, appointments or neither.", field="orders_need")
        chosen = await orders.set_orders_need(await current_actor(request), OrdersNeed(raw))
    except B2AError as exc:
        return await form_error(request, TEMPLATE, exc, **await _context(request))
    words = dict(NEEDS)[chosen.orders_need.value]
    await flash(request, f"Orders are for: {words}.")
    return redirect(request, f"{PAGE}#orders-need")


HANDLERS = [
    services_page,
    add_service,
    service_page,
    save_service,
    set_active,
    import_services,
    export_services,
    add_faq,
    faq_page,
    save_faq,
    delete_faq,
    save_orders_need,
]
