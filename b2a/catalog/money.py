"""Prices as people type and read them, from and to integer minor units and an ISO currency.

Prices are stored as integers in the currency's minor unit (cents, paisa, fils),
never as floats: SQLite keeps Numeric columns as floats, and a price must
survive every round trip exactly.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from b2a.errors import Invalid

# ISO 4217 currencies whose minor unit is not a hundredth.
_EXPONENTS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0,
    "XPF": 0, "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    "CLF": 4, "UYW": 4,
}  # fmt: skip

# The active ISO 4217 currency codes (funds, precious metals and test codes left out).
_ISO_4217 = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD
    BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD
    EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD
    IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL
    MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN
    PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN
    SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYI UYU UYW UZS VES VED VND
    VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
"""
CURRENCIES = frozenset(_ISO_4217.split())

MAX_PRICE_MINOR = 2**31 - 1
"""The largest price a catalogue column holds (a 32-bit integer of minor units)."""

_AMOUNT = re.compile(r"^\d+(\.\d*)?$|^\.\d+$")


def exponent(currency: str) -> int:
    """Digits after the decimal point for this currency (2 for most)."""
    return _EXPONENTS.get(currency.upper(), 2)


def format_price(price_minor: int, currency: str) -> str:
    """``PKR 1,500`` or ``USD 12.50``: whole amounts without decimals, others with all of them."""
    places = exponent(currency)
    whole, fraction = divmod(abs(price_minor), 10**places)
    sign = "-" if price_minor < 0 else ""
    amount = f"{whole:,}" if fraction == 0 else f"{whole:,}.{fraction:0{places}d}"
    return f"{currency.upper()} {sign}{amount}"


def format_amount(amount_minor: int, currency: str) -> str:
    """A bill's amount with every decimal place its currency has: ``PKR 8,000.00``, ``JPY 500``."""
    places = exponent(currency)
    whole, fraction = divmod(abs(amount_minor), 10**places)
    sign = "-" if amount_minor < 0 else ""
    amount = f"{whole:,}.{fraction:0{places}d}" if places else f"{whole:,}"
    return f"{currency.upper()} {sign}{amount}"


def decimal_price(price_minor: int, currency: str) -> str:
    """The exact decimal string of a price, with every decimal place: ``1500.00``, ``1500``."""
    places = exponent(currency)
    whole, fraction = divmod(price_minor, 10**places)
    return f"{whole}.{fraction:0{places}d}" if places else str(whole)


def normalise_currency(raw: str, *, field: str = "currency") -> str:
    """``pkr`` → ``PKR``.

    Raises:
        Invalid: not an active ISO 4217 code.
    """
    code = raw.strip().upper()
    if code not in CURRENCIES:
        raise Invalid(
            f"{raw.strip()!r} is not an ISO 4217 currency code (e.g. PKR, USD, EUR).", field=field
        )
    return code


def parse_price(raw: str, currency: str, *, field: str = "price") -> int:
    """A price typed as a decimal string (``"1500"``, ``"12.50"``) in minor units.

    Raises:
        Invalid: not a plain non-negative decimal, more decimal places than the
            currency has, or too large to store.
    """
    text = raw.strip()
    places = exponent(currency)
    if not _AMOUNT.match(text):
        raise Invalid(
            f"a price is a plain decimal number such as 1500 or 12.50, not {raw.strip()!r}.",
            field=field,
        )
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise Invalid(f"{raw.strip()!r} is not a number.", field=field) from None
    minor = amount.scaleb(places)
    if minor != minor.to_integral_value():
        unit = "no decimal places" if places == 0 else f"at most {places} decimal places"
        raise Invalid(f"prices in {currency} have {unit}.", field=field)
    if minor > MAX_PRICE_MINOR:
        largest = format_price(MAX_PRICE_MINOR, currency)
        raise Invalid(f"the price is too large; the most is {largest}.", field=field)
    return int(minor)
