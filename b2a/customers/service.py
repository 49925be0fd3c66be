"""The customer directory: list and search, one customer's page, add by hand, edit, tag.

Every member (tenant admins and staff) may use it (SPEC §1: staff work "inbox,
orders, customers"); exporting or erasing one person's data stays with tenant
admins (``b2a.privacy.customers``). Erased customers (tombstones kept for
their orders) are never listed.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

import phonenumbers
from piccolo.columns.combination import Combinable
from piccolo.query import Select

from b2a.audit import service as audit
from b2a.catalog.money import format_price
from b2a.customers import rules
from b2a.customers.schemas import (
    CustomerConversation,
    CustomerCreate,
    CustomerOrder,
    CustomerOut,
    CustomerPage,
    CustomerSummary,
    CustomerUpdate,
    TagOut,
)
from b2a.customers.tables import CustomerLabel
from b2a.db import keyset
from b2a.errors import Conflict, Invalid, NotFound
from b2a.inbox.labels import DEFAULT_COLOR
from b2a.inbox.tables import Conversation, Customer, Label
from b2a.lib.phone import parse_phone, region_for_zone
from b2a.orders.tables import Order
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Area
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant

_NUMBER_QUERY = re.compile(r"[\d\s\-().+]+")
_LISTED = (
    Customer.id,
    Customer.name,
    Customer.phone,
    Customer.email,
    Customer.created_at,
    Customer.last_seen_at,
    Customer.sandbox,
)


async def business_region(scope: TenantScope) -> str:
    """The business's country (from its time zone) for reading national numbers, or ``""``."""
    row = await Tenant.select(Tenant.time_zone).where(Tenant.id == scope.tenant_id).first()
    return region_for_zone(str(row["time_zone"])) if row else ""


async def list_customers(
    actor: Actor,
    *,
    q: str = "",
    tag: str = "",
    cursor: str | None = None,
    limit: int = keyset.DEFAULT_LIMIT,
) -> CustomerPage:
    """Customers newest first, found by name, email or number prefix, and by tag (a label name).

    A query of digits and phone punctuation matches numbers starting with its
    digits (``+92 300``, ``0092 300``, ``92300``, or ``0300`` in the business's country).
    """
    actor.require_area(Area.CUSTOMERS)
    scope = actor.scope
    query = (
        (await directory(scope, _LISTED, q=q, tag=tag))
        .order_by(Customer.created_at, Customer.id, ascending=False)
        .limit(keyset.checked_limit(limit) + 1)
    )
    if cursor:
        query = query.where(keyset.after(Customer.created_at, Customer.id, cursor))
    rows, next_cursor = keyset.page_of(await query, limit, "created_at")
    return CustomerPage(await summaries(scope, rows), next_cursor)


async def directory(scope: TenantScope, columns: tuple[Any, ...], *, q: str, tag: str) -> Select:
    """The tenant's listed customers matching a search and a tag, unordered."""
    query = scope.select(Customer, *columns).where(Customer.erased_at.is_null())
    if q.strip():
        query = query.where(await _matching(scope, q.strip()))
    if tag.strip():
        tagged = scope.select(CustomerLabel, CustomerLabel.customer).where(
            CustomerLabel.label.name == tag.strip()
        )
        query = query.where(Customer.id.is_in(tagged))
    return query


async def _matching(scope: TenantScope, q: str) -> Combinable:
    if not _NUMBER_QUERY.fullmatch(q) or not any(ch.isdigit() for ch in q):
        return keyset.contains(Customer.name, q) | keyset.contains(Customer.email, q)
    digits = re.sub(r"\D", "", q)
    if digits.startswith("00"):  # the international prefix dialled instead of +
        digits = digits[2:]
    condition: Combinable = Customer.phone.like(f"{digits}%")
    region = await business_region(scope) if digits.startswith("0") else ""
    if region:
        code = phonenumbers.country_code_for_region(region)
        condition |= Customer.phone.like(f"{code}{digits[1:]}%")
    return condition


async def summaries(scope: TenantScope, rows: list[dict[str, Any]]) -> list[CustomerSummary]:
    """Listed customer rows with their tags and whether they are sandbox test customers."""
    ids = [row["id"] for row in rows]
    tags = await tags_of(scope, ids)
    return [
        CustomerSummary(
            id=row["id"],
            name=row["name"],
            phone=row["phone"],
            email=row["email"],
            tags=tags.get(row["id"], []),
            sandbox=row["sandbox"],
            created_at=row["created_at"],
            last_seen_at=row["last_seen_at"],
        )
        for row in rows
    ]


async def tags_of(scope: TenantScope, customer_ids: list[UUID]) -> dict[UUID, list[TagOut]]:
    """Each customer's tags, by name."""
    if not customer_ids:
        return {}
    rows = (
        await scope.select(
            CustomerLabel,
            CustomerLabel.customer,
            CustomerLabel.label.as_alias("id"),
            CustomerLabel.label.name.as_alias("name"),
            CustomerLabel.label.color.as_alias("color"),
        )
        .where(CustomerLabel.customer.is_in(customer_ids))
        .order_by(CustomerLabel.label.name)
    )
    found: dict[UUID, list[TagOut]] = {}
    for row in rows:
        found.setdefault(row["customer"], []).append(TagOut(row["id"], row["name"], row["color"]))
    return found


async def get_customer(actor: Actor, customer_id: UUID) -> CustomerOut:
    """One customer with their tags, conversations and orders.

    Raises:
        NotFound: no such customer in the actor's tenant, or they were erased.
    """
    actor.require_area(Area.CUSTOMERS)
    scope = actor.scope
    customer = await _live(scope, customer_id)
    conversations = await _conversations(scope, customer.id)
    return CustomerOut(
        id=customer.id,
        name=customer.name,
        phone=customer.phone,
        email=customer.email,
        address=customer.address,
        tags=(await tags_of(scope, [customer.id])).get(customer.id, []),
        sandbox=customer.sandbox,
        marketing_opt_out_at=customer.marketing_opt_out_at,
        created_at=customer.created_at,
        last_seen_at=customer.last_seen_at,
        conversations=conversations,
        orders=await _orders(scope, customer.id),
    )


async def _live(scope: TenantScope, customer_id: UUID) -> Customer:
    customer = await scope.get(Customer, customer_id)
    if customer.erased_at is not None:
        raise NotFound("Customer not found.")
    return customer


async def _conversations(scope: TenantScope, customer_id: UUID) -> list[CustomerConversation]:
    rows = (
        await scope.select(
            Conversation,
            Conversation.id,
            Conversation.channel.transport.as_alias("transport"),
            Conversation.status,
            Conversation.owner,
            Conversation.last_message_preview,
            Conversation.last_message_at,
        )
        .where(Conversation.customer == customer_id)
        .order_by(Conversation.last_message_at, ascending=False)
    )
    return [CustomerConversation(**row) for row in rows]


async def _orders(scope: TenantScope, customer_id: UUID) -> list[CustomerOrder]:
    rows = (
        await scope.select(
            Order,
            Order.id,
            Order.number,
            Order.status,
            Order.total_minor,
            Order.currency,
            Order.requested_at,
            Order.created_at,
        )
        .where(Order.customer == customer_id)
        .order_by(Order.created_at, ascending=False)
    )
    return [
        CustomerOrder(
            id=row["id"],
            number=row["number"],
            status=row["status"],
            total=format_price(row["total_minor"], row["currency"]),
            requested_at=row["requested_at"],
            created_at=row["created_at"],
        )
        for row in rows
    ]


def clean_details(name: str, email: str, address: str) -> tuple[str, str, str]:
    """A customer's name, email and address as stored.

    Raises:
        Invalid: one is too long, or the email is not an address (``field`` says which).
    """
    values = {"name": name.strip(), "email": email.strip(), "address": address.strip()}
    for field, value in values.items():
        if len(value) > rules.LIMITS[field]:
            raise Invalid(f"the {field} has at most {rules.LIMITS[field]} characters.", field=field)
    if values["email"] and not rules.EMAIL.fullmatch(values["email"]):
        raise Invalid(f"{values['email']!r} is not an email address.", field="email")
    return values["name"], values["email"], values["address"]


async def find_by_phone(scope: TenantScope, phone: str) -> UUID | None:
    """The (first added) customer with this number, if the business has one."""
    row = (
        await scope.select(Customer, Customer.id)
        .where((Customer.phone == phone) & Customer.erased_at.is_null())
        .order_by(Customer.created_at)
        .first()
    )
    return row["id"] if row else None


async def create_customer(actor: Actor, data: CustomerCreate) -> CustomerOut:
    """A customer added by hand; the number is stored as E.164 digits.

    Raises:
        Invalid: a number, name, email, address or tag that cannot be stored.
        Conflict: the business has a customer with this number (``CUSTOMER_EXISTS``).
    """
    actor.require_area(Area.CUSTOMERS)
    scope = actor.scope
    phone = parse_phone(data.phone, await business_region(scope))
    name, email, address = clean_details(data.name, data.email, data.address)
    tags = checked_tags(data.tags)
    if await find_by_phone(scope, phone):
        raise Conflict(
            f"+{phone} is a customer already: search for it.", code="CUSTOMER_EXISTS", field="phone"
        )
    customer = scope.new(Customer, phone=phone, name=name, email=email, address=address)
    await customer.save()
    await add_tags(scope, customer.id, await label_ids(scope, tags))
    await audit.record(actor, "customer.created", customer=str(customer.id))
    return await get_customer(actor, customer.id)


async def update_customer(actor: Actor, customer_id: UUID, data: CustomerUpdate) -> CustomerOut:
    """Change the given fields; ``tags`` (when given) replaces the customer's tags.

    Raises:
        NotFound: no such customer in the actor's tenant.
        Invalid: a name, email, address or tag that cannot be stored.
    """
    actor.require_area(Area.CUSTOMERS)
    scope = actor.scope
    customer = await _live(scope, customer_id)
    name, email, address = clean_details(
        customer.name if data.name is None else data.name,
        customer.email if data.email is None else data.email,
        customer.address if data.address is None else data.address,
    )
    tags = None if data.tags is None else checked_tags(data.tags)
    await scope.update(
        Customer, {Customer.name: name, Customer.email: email, Customer.address: address}
    ).where(Customer.id == customer.id)
    if tags is not None:
        ids = await label_ids(scope, tags)
        await scope.delete(CustomerLabel).where(CustomerLabel.customer == customer.id)
        await add_tags(scope, customer.id, ids)
    await audit.record(actor, "customer.updated", customer=str(customer.id))
    return await get_customer(actor, customer.id)


def checked_tags(names: list[str]) -> tuple[str, ...]:
    """Tag names once each, trimmed.

    Raises:
        Invalid: a name longer than a label's, or too many.
    """
    tags = rules.split_tags(";".join(name.replace(";", " ").replace(",", " ") for name in names))
    if isinstance(tags, str):
        raise Invalid(tags, field="tags")
    return tags


async def label_ids(scope: TenantScope, names: tuple[str, ...]) -> list[UUID]:
    """The labels with these names (matched ignoring case), made when the business has none."""
    if not names:
        return []
    existing = {
        str(row["name"]).casefold(): row["id"]
        for row in await scope.select(Label, Label.id, Label.name)
    }
    ids = []
    for name in names:
        if name.casefold() not in existing:
            label = scope.new(Label, name=name, color=DEFAULT_COLOR)
            await label.save()
            existing[name.casefold()] = label.id
        ids.append(existing[name.casefold()])
    return ids


async def add_tags(scope: TenantScope, customer_id: UUID, label_ids: list[UUID]) -> None:
    """Put labels on a customer, skipping those they carry already."""
    if not label_ids:
        return
    carried = {
        row["label"]
        for row in await scope.select(CustomerLabel, CustomerLabel.label).where(
            CustomerLabel.customer == customer_id
        )
    }
    new = [
        scope.new(CustomerLabel, customer=customer_id, label=label_id)
        for label_id in dict.fromkeys(label_ids)
        if label_id not in carried
    ]
    if new:
        await CustomerLabel.insert(*new)
