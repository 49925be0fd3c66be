"""Order lines priced from the catalogue: every service of a request read in one query."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from uuid import UUID

from b2a.catalog.tables import Service
from b2a.errors import Invalid, NotFound
from b2a.orders.rules import MAX_QUANTITY
from b2a.orders.tables import OrderItem
from b2a.tenants.scope import TenantScope


@dataclass(frozen=True)
class Line:
    """A service on an order at the unit price it was requested at."""

    service_id: UUID
    name: str
    quantity: int
    unit_price_minor: int

    @property
    def total_minor(self) -> int:
        """Quantity times the unit price."""
        return self.quantity * self.unit_price_minor


def order_total(lines: Iterable[Line]) -> int:
    """The total of an order: the sum of its lines, never a typed figure."""
    return sum(line.total_minor for line in lines)


def wanted_items(items: Sequence[tuple[UUID, int]]) -> dict[UUID, int]:
    """Service id → quantity, for a request that names each service once.

    Raises:
        Invalid: no items, a service listed twice, or a quantity outside 1-9,999.
    """
    if not items:
        raise Invalid("an order request needs at least one service.", field="items")
    wanted: dict[UUID, int] = {}
    for service_id, quantity in items:
        if service_id in wanted:
            raise Invalid("a service is listed twice; give its total quantity once.", field="items")
        wanted[service_id] = quantity
    return wanted


async def price_lines(
    scope: TenantScope, wanted: Mapping[UUID, int], *, currency: str | None = None
) -> tuple[list[Line], str]:
    """The lines for ``wanted`` at today's catalogue prices, and their one currency.

    One query reads every service, whatever the number of lines. ``currency``
    is the order's, when lines are added to an existing one.

    Raises:
        NotFound: a service is not this tenant's.
        Invalid: a service is inactive, a quantity is outside 1-9,999, or the
            services are priced in different currencies.
    """
    for quantity in wanted.values():
        if not 1 <= quantity <= MAX_QUANTITY:
            raise Invalid(f"a quantity is 1 to {MAX_QUANTITY}.", field="items")
    rows = await scope.select(
        Service, Service.id, Service.name, Service.price_minor, Service.currency, Service.is_active
    ).where(Service.id.is_in(list(wanted)))
    found = {row["id"]: row for row in rows}
    if len(found) < len(wanted):
        raise NotFound("Service not found.")
    inactive = [row["name"] for row in rows if not row["is_active"]]
    if inactive:
        raise Invalid(f"{inactive[0]} is not in the active catalogue.", field="items")
    currencies = {row["currency"] for row in rows} | ({currency} if currency else set())
    if len(currencies) > 1:
        listed = ", ".join(sorted(currencies))
        raise Invalid(
            f"these services are priced in different currencies ({listed}); "
            "make one order request per currency.",
            field="items",
        )
    lines = [
        Line(sid, found[sid]["name"], quantity, found[sid]["price_minor"])
        for sid, quantity in wanted.items()
    ]
    return lines, currencies.pop()


async def read_lines(scope: TenantScope, order_id: UUID) -> dict[UUID, Line]:
    """The order's lines by service, as stored."""
    rows = await scope.select(OrderItem).where(OrderItem.order == order_id).order_by(OrderItem.name)
    return {
        row["service"]: Line(row["service"], row["name"], row["quantity"], row["unit_price_minor"])
        for row in rows
    }


async def save_lines(scope: TenantScope, order_id: UUID, lines: Sequence[Line]) -> None:
    """Write lines onto an order, replacing any of the same services (one insert for all)."""
    if not lines:
        return
    await scope.delete(OrderItem).where(
        (OrderItem.order == order_id) & OrderItem.service.is_in([line.service_id for line in lines])
    )
    await OrderItem.insert(
        *(
            scope.new(
                OrderItem,
                order=order_id,
                service=line.service_id,
                quantity=line.quantity,
                unit_price_minor=line.unit_price_minor,
                name=line.name,
            )
            for line in lines
        )
    )
