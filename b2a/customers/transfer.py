"""Customers in and out as CSV: export the directory (or a search), import a file all or nothing.

An import reads the whole file first (``rules.read_csv``). When any line has a
problem, nothing is written and the report lists every problem by line; when
none has, everything is written in one transaction. A number the business
already has updates that customer instead of adding a second one: a filled
cell replaces what is stored, an empty cell keeps it, and the file's tags are
added to theirs (none is taken off). So importing an export changes nothing,
and a file of just numbers and tags tags existing customers. See
docs/decisions.md, "Importing customers".
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from b2a.audit import service as audit
from b2a.customers import rules
from b2a.customers.schemas import ImportProblem, ImportReport
from b2a.customers.service import add_tags, business_region, directory, label_ids, tags_of
from b2a.customers.tables import CustomerLabel
from b2a.db.transaction import atomic
from b2a.inbox.tables import Customer
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Area
from b2a.tenants.scope import TenantScope

# Rows per statement: under SQLite's 999 bound parameters and asyncpg's 32,767.
CHUNK = 100
_EXPORTED = (
    Customer.id,
    Customer.name,
    Customer.phone,
    Customer.email,
    Customer.address,
    Customer.created_at,
)


async def export_customers(actor: Actor, *, q: str = "", tag: str = "") -> str:
    """Every listed customer (or those a search and tag find) as CSV, oldest first."""
    actor.require_area(Area.CUSTOMERS)
    scope = actor.scope
    query = await directory(scope, _EXPORTED, q=q, tag=tag)
    rows = await query.order_by(Customer.created_at, Customer.id)
    tags: dict[UUID, list[str]] = {}
    for start in range(0, len(rows), CHUNK):
        chunk = [row["id"] for row in rows[start : start + CHUNK]]
        for customer_id, found in (await tags_of(scope, chunk)).items():
            tags[customer_id] = [tag.name for tag in found]
    await audit.record(actor, "customers.exported", rows=len(rows))
    return rules.write_csv(
        rules.ExportRow(
            name=row["name"],
            phone=row["phone"],
            email=row["email"],
            address=row["address"],
            tags=tuple(tags.get(row["id"], ())),
            created_at=row["created_at"],
        )
        for row in rows
    )


async def import_customers(actor: Actor, data: bytes, *, dry_run: bool = False) -> ImportReport:
    """Check a CSV file and, when every line is good and ``dry_run`` is false, import it.

    Raises:
        Invalid: the file as a whole is unusable (size, encoding, no number column, too many rows).
    """
    actor.require_area(Area.CUSTOMERS)
    scope = actor.scope
    parsed = rules.read_csv(data, region=await business_region(scope))
    known = await _known(scope, [row.phone for row in parsed.rows])
    updated = sum(1 for row in parsed.rows if row.phone in known)
    imported = not parsed.problems and not dry_run
    if imported:
        async with atomic():
            await _write(scope, parsed.rows, known)
        await audit.record(
            actor, "customers.imported", created=len(parsed.rows) - updated, updated=updated
        )
    return ImportReport(
        imported=imported,
        rows=len(parsed.rows) + len(parsed.problems),
        created=len(parsed.rows) - updated,
        updated=updated,
        problems=[ImportProblem(p.line, p.reason, p.field) for p in parsed.problems],
        ignored_columns=parsed.ignored_columns,
    )


async def _known(scope: TenantScope, phones: list[str]) -> dict[str, UUID]:
    """Number → the (first added) listed customer who has it, for the numbers of the file."""
    known: dict[str, UUID] = {}
    for start in range(0, len(phones), CHUNK):
        rows = (
            await scope.select(Customer, Customer.id, Customer.phone)
            .where(
                Customer.phone.is_in(phones[start : start + CHUNK]) & Customer.erased_at.is_null()
            )
            .order_by(Customer.created_at, ascending=False)
        )
        known.update({row["phone"]: row["id"] for row in rows})
    return known


async def _write(scope: TenantScope, rows: list[rules.CustomerRow], known: dict[str, UUID]) -> None:
    """Inside the caller's transaction: new customers, updated ones, then every tag."""
    names = tuple(dict.fromkeys(tag for row in rows for tag in row.tags))
    labels = dict(zip((n.casefold() for n in names), await label_ids(scope, names), strict=True))
    fresh = [row for row in rows if row.phone not in known]
    new = [
        scope.new(Customer, phone=r.phone, name=r.name, email=r.email, address=r.address)
        for r in fresh
    ]
    for start in range(0, len(new), CHUNK):
        await Customer.insert(*new[start : start + CHUNK])
    ids = {**known, **{row.phone: customer.id for row, customer in zip(fresh, new, strict=True)}}
    for row in rows:
        if row.phone in known:
            await _update(scope, known[row.phone], row)
            await add_tags(scope, known[row.phone], [labels[t.casefold()] for t in row.tags])
    tagged = [
        scope.new(CustomerLabel, customer=ids[row.phone], label=labels[tag.casefold()])
        for row in rows
        if row.phone not in known
        for tag in row.tags
    ]
    for start in range(0, len(tagged), CHUNK):
        await CustomerLabel.insert(*tagged[start : start + CHUNK])


async def _update(scope: TenantScope, customer_id: UUID, row: rules.CustomerRow) -> None:
    """A known customer: filled cells replace, empty ones keep."""
    values: dict[Any, Any] = {
        column: value
        for column, value in (
            (Customer.name, row.name),
            (Customer.email, row.email),
            (Customer.address, row.address),
        )
        if value
    }
    if values:
        await scope.update(Customer, values).where(Customer.id == customer_id)
