import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2a.errors import Invalid
from b2a.lib.phone import display_phone, normalise_phone, parse_phone, region_for_zone


@pytest.mark.parametrize(
    ("raw", "digits"),
    [
        ("+92 300 1234567", "923001234567"),
        ("0092-300-1234567", "923001234567"),
        ("+1 (555) 010-9999", "15550109999"),
        ("923001234567", "923001234567"),
    ],
)
def test_international_forms_normalise_to_digits(raw, digits):
    assert normalise_phone(raw) == digits


@pytest.mark.parametrize(
    "raw", ["03001234567", "+92 300", "+1234567890123456", "call me", "+٩٢٣٠٠١٢٣٤٥٦٧"]
)
def test_local_short_long_and_non_numbers_are_refused(raw):
    with pytest.raises(Invalid) as info:
        normalise_phone(raw)
    assert info.value.field == "phone"


@given(st.from_regex(r"[1-9][0-9]{9,14}", fullmatch=True), st.sampled_from(["+", "00", ""]))
def test_normalising_is_idempotent(digits, prefix):
    once = normalise_phone(prefix + digits)
    assert once == digits == normalise_phone(once)


@pytest.mark.parametrize(
    ("digits", "shown"),
    [
        ("923001234567", "+92 300 1234567"),
        ("447911123456", "+44 7911 123456"),
        ("991234567890", "+991234567890"),
        ("5080000000000", "+5080000000000"),  # the formatter would fold its zeros away
        ("", ""),
    ],
)
def test_a_stored_number_is_shown_as_its_country_writes_it(digits: str, shown: str) -> None:
    assert display_phone(digits) == shown


@given(st.text(alphabet="0123456789", min_size=1, max_size=15))
def test_every_shown_number_keeps_its_digits_and_plus(digits: str) -> None:
    shown = display_phone(digits)
    assert shown.startswith("+")
    assert "".join(ch for ch in shown if ch.isdigit()) == digits


@pytest.mark.parametrize(
    ("raw", "region", "digits"),
    [
        ("+92 300 1234567", "", "923001234567"),
        ("0092-300-1234567", "", "923001234567"),
        ("0300 1234567", "PK", "923001234567"),
        ("(020) 7946 0958", "GB", "442079460958"),
        ("923001234567", "", "923001234567"),  # a spreadsheet dropped the +
        ("923001234567", "GB", "923001234567"),
    ],
)
def test_typed_numbers_parse_to_e164_digits(raw, region, digits):
    assert parse_phone(raw, region) == digits


@pytest.mark.parametrize(
    ("raw", "region", "words"),
    [
        ("0300 1234567", "", "has no country code"),
        ("+1 555", "", "not a valid number in US"),
        ("0300 12", "PK", "not a valid number in PK"),
        ("call me", "PK", "not a phone number"),
        ("+99 1234567890", "", "not a phone number"),
    ],
)
def test_numbers_that_are_none_are_refused_with_why(raw, region, words):
    with pytest.raises(Invalid) as info:
        parse_phone(raw, region)
    assert words in info.value.message and info.value.field == "phone"


@pytest.mark.parametrize(
    ("zone", "region"),
    [("Asia/Karachi", "PK"), ("Europe/London", "GB"), ("America/Chicago", "US"), ("UTC", "")],
)
def test_a_time_zone_names_its_country(zone, region):
    assert region_for_zone(zone) == region
