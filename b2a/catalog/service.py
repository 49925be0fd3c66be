"""Managing the catalogue: services at fixed prices and FAQ entries.

Tenant admins write the catalogue, since it is what the assistant may sell and
at which price; every member reads it. A price is typed as a decimal string and
stored in integer minor units of its ISO 4217 currency (``money``). Services are
deactivated, never deleted: an order item keeps pointing at the service it sold.
Names are unique per tenant whatever their case, so the assistant never has to
choose between two "Haircut"s at different prices. A service may carry the
content ID the business's WhatsApp catalogue knows it by (``sku``), unique per
tenant when set, so an item of a customer's cart names exactly one service.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from piccolo.columns import Column
from piccolo.query.functions.aggregate import Max

from b2a.audit import service as audit
from b2a.catalog.money import decimal_price, format_price, parse_price
from b2a.catalog.rules import check_business_currency, check_duration, duration_display
from b2a.catalog.schemas import FaqIn, FaqOut, FaqUpdate, ServiceIn, ServiceOut, ServiceUpdate
from b2a.catalog.tables import FaqEntry, Service
from b2a.db.columns import json_value
from b2a.db.transaction import atomic, lock_row
from b2a.errors import Conflict, Invalid, NotFound
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant

MAX_SYNONYMS = 20
MAX_POSITION = 1_000_000
MAX_SKU = 100


def service_out(row: Service) -> ServiceOut:
    """The API shape of a service row."""
    return ServiceOut(
        id=row.id,
        name=row.name,
        description=row.description,
        price=decimal_price(row.price_minor, row.currency),
        price_minor=row.price_minor,
        currency=row.currency,
        price_display=format_price(row.price_minor, row.currency),
        synonyms=[str(s) for s in json_value(row.synonyms) or []],
        is_active=row.is_active,
        display_order=row.display_order,
        sku=row.sku,
        duration_minutes=row.duration_minutes,
        duration_display=duration_display(row.duration_minutes),
    )


def faq_out(row: FaqEntry) -> FaqOut:
    """The API shape of an FAQ row."""
    synonyms = [str(s) for s in json_value(row.synonyms) or []]
    return FaqOut(row.id, row.question, row.answer, synonyms, row.is_active, row.display_order)


def _text(raw: str, field: str, *, longest: int, required: bool = True) -> str:
    text = raw.strip()
    if required and not text:
        raise Invalid(f"the {field} is empty.", field=field)
    if len(text) > longest:
        raise Invalid(f"the {field} has at most {longest} characters.", field=field)
    return text


def _synonyms(raw: Sequence[str], *, owner: str = "a service", longest: int = 60) -> list[str]:
    """The synonyms trimmed, each once (case aside), within the limits of their ``owner``."""
    kept: dict[str, str] = {}
    for word in raw:
        cleaned = word.strip()
        if not 1 <= len(cleaned) <= longest:
            raise Invalid(f"each synonym has 1 to {longest} characters.", field="synonyms")
        kept.setdefault(cleaned.casefold(), cleaned)
    if len(kept) > MAX_SYNONYMS:
        raise Invalid(f"{owner} has at most {MAX_SYNONYMS} synonyms.", field="synonyms")
    return list(kept.values())


def _faq_synonyms(raw: Sequence[str]) -> list[str]:
    """An FAQ entry's other wordings: whole questions, so longer than a service's names."""
    return _synonyms(raw, owner="an FAQ entry", longest=200)


def _sku(raw: str) -> str:
    sku = raw.strip()
    if len(sku) > MAX_SKU or any(not c.isprintable() for c in sku):
        raise Invalid(
            f"a content ID has at most {MAX_SKU} characters, as in Commerce Manager.", field="sku"
        )
    return sku


def _position(value: int) -> int:
    if not 0 <= value <= MAX_POSITION:
        raise Invalid(f"display_order is 0 to {MAX_POSITION}.", field="display_order")
    return value


async def _next_position(scope: TenantScope, table: type[Service] | type[FaqEntry]) -> int:
    rows = await scope.select(table, Max(table.display_order, alias="last"))
    last = rows[0]["last"] if rows else None
    return 0 if last is None else min(int(last) + 1, MAX_POSITION)


async def _refuse_taken_name(scope: TenantScope, name: str, keep: UUID | None = None) -> None:
    rows = await scope.select(Service, Service.id, Service.name, Service.is_active)
    for row in rows:
        if row["id"] != keep and row["name"].casefold() == name.casefold():
            hint = "" if row["is_active"] else " (inactive: activate it instead)"
            raise Conflict(
                f"a service named {row['name']!r} exists{hint}.",
                code="SERVICE_EXISTS",
                field="name",
            )


async def _refuse_taken_sku(scope: TenantScope, sku: str, keep: UUID | None = None) -> None:
    """A content ID names one service, so a cart's item never matches two."""
    if not sku:
        return
    query = scope.select(Service, Service.name).where(Service.sku == sku)
    if keep is not None:
        query = query.where(Service.id != keep)
    taken = await query
    if taken:
        raise Conflict(
            f"{taken[0]['name']!r} already has the content ID {sku!r}; a content ID names "
            "one service, so remove it there first or check the ID in Commerce Manager.",
            code="SKU_EXISTS",
            field="sku",
        )


async def list_services(actor: Actor, *, active: bool | None = None) -> list[ServiceOut]:
    """The tenant's services in display order; ``active`` narrows to active or inactive ones."""
    query = actor.scope.objects(Service).order_by(Service.display_order).order_by(Service.name)
    if active is not None:
        query = query.where(Service.is_active.eq(active))
    return [service_out(row) for row in await query]


async def get_service(actor: Actor, service_id: UUID) -> ServiceOut:
    """One service.

    Raises:
        NotFound: the service is not this tenant's.
    """
    return service_out(await actor.scope.get(Service, service_id))


async def create_service(actor: Actor, data: ServiceIn) -> ServiceOut:
    """Add a service to the catalogue, priced in the business's currency.

    Raises:
        Forbidden: the actor is not a tenant admin.
        Invalid: a field is empty, too long, not a price, or a currency other
            than the business's (``field`` says which).
        Conflict: another service has this name (``SERVICE_EXISTS``) or
            content ID (``SKU_EXISTS``).
    """
    actor.require(Role.TENANT_ADMIN)
    scope = actor.scope
    name = _text(data.name, "name", longest=120)
    description = _text(data.description, "description", longest=2000, required=False)
    synonyms = _synonyms(data.synonyms)
    async with atomic():
        currency = check_business_currency(data.currency, await business_currency(scope))
        row = scope.new(
            Service,
            name=name,
            description=description,
            price_minor=parse_price(data.price, currency),
            currency=currency,
            synonyms=synonyms,
            is_active=data.is_active,
            sku=_sku(data.sku),
            duration_minutes=check_duration(data.duration_minutes),
        )
        await _refuse_taken_name(scope, row.name)
        await _refuse_taken_sku(scope, row.sku)
        given = data.display_order
        row.display_order = (
            _position(given) if given is not None else await _next_position(scope, Service)
        )
        await row.save()
    await audit.record(actor, "service.created", service=str(row.id), name=row.name)
    return service_out(row)


async def update_service(actor: Actor, service_id: UUID, data: ServiceUpdate) -> ServiceOut:
    """Change a service; fields left as None stay. A price is in the business's currency.

    A price change applies to the next reply and the next order request; order
    requests already made keep the price they were made at. A service left in
    another currency (from before the business changed its own) moves to the
    business's currency with its new price.

    Raises:
        Forbidden: the actor is not a tenant admin.
        NotFound: the service is not this tenant's.
        Invalid: a bad field (``field`` says which), or a currency other than the business's.
        Conflict: another service has the new name (``SERVICE_EXISTS``) or
            content ID (``SKU_EXISTS``).
    """
    actor.require(Role.TENANT_ADMIN)
    scope = actor.scope
    async with atomic():
        currency = check_business_currency(data.currency or "", await business_currency(scope))
        row = await scope.get(Service, service_id)
        before = service_out(row)
        _apply_service(row, data, currency)
        if row.name.casefold() != before.name.casefold():
            await _refuse_taken_name(scope, row.name, keep=row.id)
        if row.sku != before.sku:
            await _refuse_taken_sku(scope, row.sku, keep=row.id)
        await row.save()
    after = service_out(row)
    changes = _changes(
        before, after, ("name", "price", "currency", "is_active", "sku", "duration_minutes")
    )
    if changes:
        await audit.record(actor, "service.updated", service=str(row.id), changes=changes)
    return after


def _apply_service(row: Service, data: ServiceUpdate, currency: str) -> None:
    if data.price is not None:
        row.price_minor = parse_price(data.price, currency)
        row.currency = currency
    if data.name is not None:
        row.name = _text(data.name, "name", longest=120)
    if data.description is not None:
        row.description = _text(data.description, "description", longest=2000, required=False)
    if data.synonyms is not None:
        row.synonyms = json.dumps(_synonyms(data.synonyms))
    if data.is_active is not None:
        row.is_active = data.is_active
    if data.display_order is not None:
        row.display_order = _position(data.display_order)
    if data.sku is not None:
        row.sku = _sku(data.sku)
    if data.duration_minutes is not None:
        row.duration_minutes = check_duration(data.duration_minutes, removable=True)


def _changes(before: Any, after: Any, names: Sequence[str]) -> dict[str, list[Any]]:
    """``{"price": ["1500.00", "1800.00"]}`` for each named field that changed."""
    return {
        name: [getattr(before, name), getattr(after, name)]
        for name in names
        if getattr(before, name) != getattr(after, name)
    }


async def reorder_services(actor: Actor, ids: Sequence[UUID]) -> list[ServiceOut]:
    """Put the listed services first, in this order; the others follow in their order.

    Raises:
        Forbidden: the actor is not a tenant admin.
        NotFound: an id is not one of this tenant's services.
        Invalid: an id is listed twice.
    """
    actor.require(Role.TENANT_ADMIN)
    await _reorder(actor.scope, Service, ids, Service.name)
    return await list_services(actor)


async def list_faq(actor: Actor, *, active: bool | None = None) -> list[FaqOut]:
    """The tenant's FAQ in display order; ``active`` narrows to active or inactive entries."""
    query = actor.scope.objects(FaqEntry).order_by(FaqEntry.display_order)
    if active is not None:
        query = query.where(FaqEntry.is_active.eq(active))
    return [faq_out(row) for row in await query.order_by(FaqEntry.created_at)]


async def get_faq_entry(actor: Actor, entry_id: UUID) -> FaqOut:
    """One FAQ entry.

    Raises:
        NotFound: the entry is not this tenant's.
    """
    return faq_out(await actor.scope.get(FaqEntry, entry_id))


async def create_faq_entry(actor: Actor, data: FaqIn) -> FaqOut:
    """Add a question and its answer for the assistant to reuse.

    Raises:
        Forbidden: the actor is not a tenant admin.
        Invalid: the question or answer is empty or too long (``field`` says which).
    """
    actor.require(Role.TENANT_ADMIN)
    scope = actor.scope
    row = scope.new(
        FaqEntry,
        question=_text(data.question, "question", longest=500),
        answer=_text(data.answer, "answer", longest=2000),
        synonyms=_faq_synonyms(data.synonyms),
        is_active=data.is_active,
    )
    async with atomic():
        given = data.display_order
        row.display_order = (
            _position(given) if given is not None else await _next_position(scope, FaqEntry)
        )
        await row.save()
    await audit.record(actor, "faq.created", entry=str(row.id))
    return faq_out(row)


async def update_faq_entry(actor: Actor, entry_id: UUID, data: FaqUpdate) -> FaqOut:
    """Change an FAQ entry; fields left as None stay.

    Raises:
        Forbidden: the actor is not a tenant admin.
        NotFound: the entry is not this tenant's.
        Invalid: the question or answer is empty or too long (``field`` says which).
    """
    actor.require(Role.TENANT_ADMIN)
    row = await actor.scope.get(FaqEntry, entry_id)
    if data.question is not None:
        row.question = _text(data.question, "question", longest=500)
    if data.answer is not None:
        row.answer = _text(data.answer, "answer", longest=2000)
    if data.synonyms is not None:
        row.synonyms = json.dumps(_faq_synonyms(data.synonyms))
    if data.is_active is not None:
        row.is_active = data.is_active
    if data.display_order is not None:
        row.display_order = _position(data.display_order)
    await row.save()
    await audit.record(actor, "faq.updated", entry=str(row.id))
    return faq_out(row)


async def delete_faq_entry(actor: Actor, entry_id: UUID) -> None:
    """Remove an FAQ entry; nothing points at one, so it is deleted rather than deactivated.

    Raises:
        Forbidden: the actor is not a tenant admin.
        NotFound: the entry is not this tenant's.
    """
    actor.require(Role.TENANT_ADMIN)
    row = await actor.scope.get(FaqEntry, entry_id)
    await actor.scope.delete(FaqEntry).where(FaqEntry.id == row.id)
    await audit.record(actor, "faq.deleted", entry=str(row.id))


async def reorder_faq(actor: Actor, ids: Sequence[UUID]) -> list[FaqOut]:
    """Put the listed FAQ entries first, in this order; the others follow in their order.

    Raises:
        Forbidden: the actor is not a tenant admin.
        NotFound: an id is not one of this tenant's entries.
        Invalid: an id is listed twice.
    """
    actor.require(Role.TENANT_ADMIN)
    await _reorder(actor.scope, FaqEntry, ids, FaqEntry.created_at)
    return await list_faq(actor)


async def _reorder(
    scope: TenantScope, table: type[Service] | type[FaqEntry], ids: Sequence[UUID], tie: Column
) -> None:
    """Number the rows 0, 1, 2 … in the new order; ``tie`` breaks ties as the list does."""
    if len(set(ids)) != len(ids):
        raise Invalid("an id is listed twice.", field="ids")
    position: Any = table.display_order
    async with atomic():
        rows = await scope.select(table, table.id).order_by(position).order_by(tie)
        current = [row["id"] for row in rows]
        listed = set(ids)
        if not listed <= set(current):
            raise NotFound(f"{table.__name__} not found.")
        ordered = [*ids, *(row_id for row_id in current if row_id not in listed)]
        for index, row_id in enumerate(ordered):
            await scope.update(table, {position: index}).where(table.id == row_id)


async def business_currency(scope: TenantScope) -> str:
    """The business's currency, its row held until the transaction ends (call in ``atomic()``).

    Every writer of a price locks the tenant row first, so a service saved
    while the currency changes waits and then sees the new currency.
    """
    await lock_row(Tenant, scope.tenant_id)
    rows = await Tenant.select(Tenant.currency).where(Tenant.id == scope.tenant_id)
    if not rows:
        raise NotFound("this business no longer exists.")
    return str(rows[0]["currency"])
