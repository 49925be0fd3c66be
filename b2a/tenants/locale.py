"""Where a business is: its time zone, and the currency people pay in there.

A new business picks its time zone (the sign-up form fills in the browser's)
and, unless it says otherwise, gets the currency of that zone's country, so a
salon in Asia/Karachi starts in PKR rather than in USD. The map is small on
purpose: the zones most businesses here are in, and the old names browsers
still report (Asia/Calcutta). Anywhere else starts in USD and picks its own.
"""

from __future__ import annotations

import functools
import zoneinfo
from uuid import UUID

from b2a.catalog.money import normalise_currency
from b2a.db import sql
from b2a.db.sql import Statement
from b2a.errors import NotFound
from b2a.tenants.rules import check_time_zone
from b2a.tenants.tables import Tenant

DEFAULT_CURRENCY = "USD"

# Currency → the zones of the countries that use it, one string per currency.
_ZONES_BY_CURRENCY = {
    "PKR": "Asia/Karachi",
    "INR": "Asia/Kolkata Asia/Calcutta",
    "BDT": "Asia/Dhaka Asia/Dacca",
    "LKR": "Asia/Colombo",
    "NPR": "Asia/Kathmandu Asia/Katmandu",
    "AFN": "Asia/Kabul",
    "MVR": "Indian/Maldives",
    "AED": "Asia/Dubai",
    "SAR": "Asia/Riyadh",
    "QAR": "Asia/Qatar",
    "KWD": "Asia/Kuwait",
    "BHD": "Asia/Bahrain",
    "OMR": "Asia/Muscat",
    "IQD": "Asia/Baghdad",
    "IRR": "Asia/Tehran Iran",
    "JOD": "Asia/Amman",
    "LBP": "Asia/Beirut",
    "ILS": "Asia/Jerusalem Asia/Tel_Aviv Israel",
    "TRY": "Europe/Istanbul Asia/Istanbul Turkey",
    "EGP": "Africa/Cairo Egypt",
    "MAD": "Africa/Casablanca",
    "DZD": "Africa/Algiers",
    "TND": "Africa/Tunis",
    "NGN": "Africa/Lagos",
    "GHS": "Africa/Accra",
    "KES": "Africa/Nairobi",
    "TZS": "Africa/Dar_es_Salaam",
    "UGX": "Africa/Kampala",
    "ETB": "Africa/Addis_Ababa",
    "ZAR": "Africa/Johannesburg",
    "GBP": "Europe/London Europe/Belfast GB",
    "EUR": (
        "Europe/Berlin Europe/Paris Europe/Madrid Europe/Rome Europe/Amsterdam Europe/Brussels "
        "Europe/Vienna Europe/Dublin Europe/Lisbon Europe/Athens Europe/Helsinki "
        "Europe/Luxembourg Europe/Malta Europe/Bratislava Europe/Ljubljana Europe/Tallinn "
        "Europe/Riga Europe/Vilnius Europe/Zagreb Europe/Monaco Europe/Andorra Asia/Nicosia "
        "Europe/Nicosia Atlantic/Canary Atlantic/Madeira Atlantic/Azores Eire"
    ),
    "CHF": "Europe/Zurich",
    "SEK": "Europe/Stockholm",
    "NOK": "Europe/Oslo",
    "DKK": "Europe/Copenhagen",
    "PLN": "Europe/Warsaw Poland",
    "CZK": "Europe/Prague",
    "HUF": "Europe/Budapest",
    "RON": "Europe/Bucharest",
    "BGN": "Europe/Sofia",
    "UAH": "Europe/Kyiv Europe/Kiev",
    "RUB": "Europe/Moscow",
    "KZT": "Asia/Almaty",
    "UZS": "Asia/Tashkent",
    "USD": (
        "America/New_York America/Chicago America/Denver America/Los_Angeles America/Phoenix "
        "America/Anchorage Pacific/Honolulu America/Detroit US/Eastern US/Central "
        "US/Mountain US/Pacific"
    ),
    "CAD": (
        "America/Toronto America/Vancouver America/Edmonton America/Winnipeg America/Halifax "
        "America/St_Johns America/Regina"
    ),
    "MXN": "America/Mexico_City America/Monterrey America/Cancun America/Tijuana",
    "BRL": "America/Sao_Paulo",
    "ARS": "America/Argentina/Buenos_Aires America/Buenos_Aires",
    "CLP": "America/Santiago",
    "COP": "America/Bogota",
    "PEN": "America/Lima",
    "AUD": (
        "Australia/Sydney Australia/Melbourne Australia/Brisbane Australia/Perth "
        "Australia/Adelaide Australia/Hobart Australia/Darwin"
    ),
    "NZD": "Pacific/Auckland",
    "JPY": "Asia/Tokyo Japan",
    "KRW": "Asia/Seoul",
    "CNY": "Asia/Shanghai PRC",
    "HKD": "Asia/Hong_Kong Hongkong",
    "TWD": "Asia/Taipei",
    "SGD": "Asia/Singapore Singapore",
    "MYR": "Asia/Kuala_Lumpur",
    "IDR": "Asia/Jakarta",
    "THB": "Asia/Bangkok",
    "VND": "Asia/Ho_Chi_Minh Asia/Saigon",
    "PHP": "Asia/Manila",
    "MMK": "Asia/Yangon Asia/Rangoon",
}
ZONE_CURRENCIES: dict[str, str] = {
    zone: currency for currency, zones in _ZONES_BY_CURRENCY.items() for zone in zones.split()
}
"""Time zone → the ISO 4217 currency of its country."""


def currency_for_zone(time_zone: str) -> str:
    """The currency a business in ``time_zone`` most likely prices in (USD when unknown)."""
    return ZONE_CURRENCIES.get(time_zone.strip(), DEFAULT_CURRENCY)


def business_locale(time_zone: str, currency: str = "") -> tuple[str, str]:
    """A new business's checked time zone and currency; no currency: the zone's country's.

    Raises:
        Invalid: not an IANA time zone, or not an ISO 4217 currency (``field`` says which).
    """
    zone = check_time_zone(time_zone.strip() or "UTC")
    chosen = normalise_currency(currency) if currency.strip() else currency_for_zone(zone)
    return zone, chosen


@functools.cache
def time_zones() -> list[str]:
    """Every IANA time zone this machine knows, for the forms' lists."""
    return sorted(zoneinfo.available_timezones())


# Every page with times reads it (hand-written: a third of the Piccolo query's CPU).
_TIME_ZONE = Statement("SELECT time_zone FROM tenant WHERE id = :id")


async def business_zone(tenant_id: UUID) -> zoneinfo.ZoneInfo:
    """The time zone every time this business reads is shown in (UTC if it is gone)."""
    row = await sql.fetchrow(_TIME_ZONE, id=tenant_id)
    return zoneinfo.ZoneInfo(str(row["time_zone"]) if row else "UTC")


async def currency_of(tenant_id: UUID) -> str:
    """The currency this business's prices are in, for pages that name it (read, not held)."""
    row = await Tenant.select(Tenant.currency).where(Tenant.id == tenant_id).first()
    if row is None:
        raise NotFound("this business no longer exists.")
    return str(row["currency"])
