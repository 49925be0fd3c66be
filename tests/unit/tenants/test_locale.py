"""A new business's currency follows its time zone's country; both are checked."""

import zoneinfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2a.catalog.money import CURRENCIES
from b2a.errors import Invalid
from b2a.tenants.locale import (
    DEFAULT_CURRENCY,
    ZONE_CURRENCIES,
    business_locale,
    currency_for_zone,
    time_zones,
)


@pytest.mark.parametrize(
    ("zone", "currency"),
    [
        ("Asia/Karachi", "PKR"),
        ("Asia/Kolkata", "INR"),
        ("Asia/Calcutta", "INR"),
        ("Asia/Dubai", "AED"),
        ("Asia/Riyadh", "SAR"),
        ("Europe/London", "GBP"),
        ("Europe/Berlin", "EUR"),
        ("Europe/Dublin", "EUR"),
        ("America/New_York", "USD"),
        ("America/Toronto", "CAD"),
        ("Africa/Lagos", "NGN"),
        ("Asia/Tokyo", "JPY"),
        ("UTC", "USD"),
        ("Antarctica/Troll", "USD"),
    ],
)
def test_the_currency_is_the_one_of_the_zones_country(zone, currency):
    assert currency_for_zone(zone) == currency


def test_every_zone_in_the_map_exists_and_every_currency_is_one_money_knows():
    known = zoneinfo.available_timezones()
    assert set(ZONE_CURRENCIES) <= known, set(ZONE_CURRENCIES) - known
    assert set(ZONE_CURRENCIES.values()) <= CURRENCIES


@given(zone=st.sampled_from(time_zones()))
def test_any_zone_gets_a_currency_money_knows(zone):
    assert currency_for_zone(zone) in CURRENCIES
    assert business_locale(zone) == (zone, currency_for_zone(zone))


def test_a_chosen_currency_wins_over_the_zone_and_is_normalised():
    assert business_locale("Asia/Karachi", " usd ") == ("Asia/Karachi", "USD")
    assert business_locale("", "") == ("UTC", DEFAULT_CURRENCY)


@pytest.mark.parametrize(
    ("zone", "currency", "field", "words"),
    [
        ("Mars/Olympus", "", "time_zone", "use a name like Asia/Karachi"),
        ("Asia/Karachi", "rupees", "currency", "is not an ISO 4217 currency code"),
        ("Asia/Karachi", "XYZ", "currency", "e.g. PKR, USD, EUR"),
    ],
)
def test_a_bad_zone_or_currency_says_what_is_expected(zone, currency, field, words):
    with pytest.raises(Invalid) as refused:
        business_locale(zone, currency)
    assert refused.value.field == field and words in refused.value.message
