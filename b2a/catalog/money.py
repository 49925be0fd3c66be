"""Prices as customers read them, from integer minor units and an ISO currency."""

from __future__ import annotations

# ISO 4217 currencies whose minor unit is not a hundredth.
_EXPONENTS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0,
    "XPF": 0, "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}  # fmt: skip


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
