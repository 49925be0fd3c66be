"""Pure rules of the catalogue: one currency per business, and re-pricing into a new one.

A business prices every service in its own currency (``Tenant.currency``); the
assistant quotes the service's price as stored, so a service in another
currency would be quoted in it. Changing the currency is therefore never a
conversion: the owner types each service's new price, and the currency and
all prices change together or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from uuid import UUID

from b2a.catalog.money import normalise_currency, parse_price
from b2a.errors import Invalid


@dataclass(frozen=True)
class Priced:
    """A service as re-pricing sees it."""

    id: UUID
    name: str
    price_minor: int
    currency: str


def price_field(service_id: UUID) -> str:
    """The form field (and error ``field``) of one service's new price."""
    return f"price-{service_id}"


def check_business_currency(given: str, business: str) -> str:
    """The currency a service is saved in: always the business's.

    Raises:
        Invalid: ``given`` names another currency; the message says how to change it.
    """
    if given.strip() and normalise_currency(given) != business:
        raise Invalid(
            f"services are priced in the business's currency, {business}. To price in "
            f"{normalise_currency(given)}, change the business's currency (Settings → Currency), "
            "which re-prices every service at once.",
            field="currency",
        )
    return business


def reprice(
    services: Sequence[Priced], currency: str, prices: Mapping[UUID, str]
) -> dict[UUID, int]:
    """Every service's new price in minor units of ``currency``, from the prices typed.

    A service already in ``currency`` whose new price is left empty keeps its
    price; every other service needs one, so no service is left in the old
    currency.

    Raises:
        Invalid: a service has no new price or a bad one (``field`` is its
            ``price_field``), or a price names a service that is not in the list.
    """
    known = {service.id for service in services}
    stray = [str(service_id) for service_id in prices if service_id not in known]
    if stray:
        raise Invalid(f"no service has the id {stray[0]}.", field="prices")
    new: dict[UUID, int] = {}
    for service in services:
        typed = prices.get(service.id, "").strip()
        field = price_field(service.id)
        if typed:
            try:
                new[service.id] = parse_price(typed, currency, field=field)
            except Invalid as exc:
                raise Invalid(f"{service.name}: {exc.message}", field=field) from None
        elif service.currency == currency:
            new[service.id] = service.price_minor
        else:
            raise Invalid(f"give {service.name} a price in {currency}.", field=field)
    return new


LONGEST_DURATION = 24 * 60
"""A service takes at most a day: longer is a typing slip (minutes typed as seconds)."""


def check_duration(minutes: int | None, *, removable: bool = False) -> int | None:
    """A service's duration in whole minutes, None when not set (0 means "remove" if ``removable``).

    Raises:
        Invalid: not 1 to 1440 minutes (``field`` is ``duration_minutes``).
    """
    if minutes is None or (removable and minutes == 0):
        return None
    if isinstance(minutes, bool) or not 1 <= minutes <= LONGEST_DURATION:
        raise Invalid(
            f"a duration is a whole number of minutes from 1 to {LONGEST_DURATION} "
            f"(24 hours), not {minutes}.",
            field="duration_minutes",
        )
    return minutes


def duration_display(minutes: int | None) -> str:
    """``45 min``, ``2 h``, ``1 h 30 min``; "" when the service has no duration."""
    if not minutes:
        return ""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"
