import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2a.errors import Invalid
from b2a.lib.phone import display_phone, normalise_phone


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
