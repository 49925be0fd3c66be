"""Prices typed as decimal strings become exact minor units, and read back the same."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2a.catalog.money import (
    CURRENCIES,
    MAX_PRICE_MINOR,
    decimal_price,
    exponent,
    format_amount,
    format_price,
    normalise_currency,
    parse_price,
)
from b2a.errors import Invalid


@pytest.mark.parametrize(
    ("typed", "currency", "minor"),
    [
        ("1500", "PKR", 150000),
        ("12.5", "USD", 1250),
        ("12.50", "USD", 1250),
        (".5", "EUR", 50),
        (" 3 ", "JPY", 3),
        ("1.234", "KWD", 1234),
        ("0", "USD", 0),
    ],
)
def test_a_typed_price_becomes_minor_units(typed, currency, minor):
    assert parse_price(typed, currency) == minor


@pytest.mark.parametrize(
    ("typed", "currency", "says"),
    [
        ("1,500", "PKR", "plain decimal"),
        ("-1", "USD", "plain decimal"),
        ("1e3", "USD", "plain decimal"),
        ("", "USD", "plain decimal"),
        ("12.345", "USD", "at most 2 decimal places"),
        ("12.5", "JPY", "no decimal places"),
        ("99999999999", "USD", "too large"),
    ],
)
def test_a_bad_price_is_refused_naming_the_field(typed, currency, says):
    with pytest.raises(Invalid, match=says) as info:
        parse_price(typed, currency)
    assert info.value.field == "price"


@given(minor=st.integers(0, MAX_PRICE_MINOR), currency=st.sampled_from(sorted(CURRENCIES)))
def test_the_decimal_string_of_a_price_parses_back_to_it(minor, currency):
    assert parse_price(decimal_price(minor, currency), currency) == minor


def test_currencies_are_iso_codes_in_any_case():
    assert normalise_currency(" pkr ") == "PKR"
    assert exponent("CLF") == 4 and exponent("BHD") == 3 and exponent("PKR") == 2
    assert format_price(1234, "KWD") == "KWD 1.234"
    with pytest.raises(Invalid, match="ISO 4217") as info:
        normalise_currency("RUPEES")
    assert info.value.field == "currency"
    with pytest.raises(Invalid):
        normalise_currency("XXX")


def test_a_bill_shows_every_decimal_place_its_currency_has():
    assert format_amount(800000, "PKR") == "PKR 8,000.00"
    assert format_amount(500, "JPY") == "JPY 500"
    assert format_amount(1234, "KWD") == "KWD 1.234"
    assert format_amount(-250, "usd") == "USD -2.50"


@given(minor=st.integers(0, MAX_PRICE_MINOR), currency=st.sampled_from(sorted(CURRENCIES)))
def test_a_bill_reads_back_as_the_amount(minor, currency):
    shown = format_amount(minor, currency).split(" ", 1)[1].replace(",", "")
    assert parse_price(shown, currency) == minor
