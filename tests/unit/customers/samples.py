"""Hypothesis strategies for customers as a CSV holds them (unit and integration tests)."""

from __future__ import annotations

import phonenumbers
from hypothesis import strategies as st

from b2a.customers import rules


def _example_numbers() -> list[str]:
    numbers = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None and phonenumbers.is_valid_number(number):
                numbers.append(
                    phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:]
                )
    return sorted(set(numbers))


NUMBERS = _example_numbers()
# Any character a person types, commas, quotes, line breaks and formula starts included.
_CHARS = st.characters(
    blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff"
) | st.sampled_from(list("\n,\"'=+-@;"))


def _cell(max_size: int, alphabet=_CHARS) -> st.SearchStrategy[str]:
    return st.text(alphabet, max_size=max_size).map(str.strip).filter(lambda s: len(s) <= max_size)


names = _cell(rules.LIMITS["name"])
addresses = _cell(rules.LIMITS["address"])
emails = st.just("") | st.from_regex(
    r"[a-z0-9._+]{1,12}@[a-z0-9]{1,10}\.[a-z]{2,4}", fullmatch=True
)
tag_names = _cell(rules.LIMITS["tag"], _CHARS.filter(lambda c: c not in ";,\n")).filter(bool)
tag_sets = st.lists(tag_names, max_size=4, unique_by=str.casefold).map(tuple)


@st.composite
def customer_rows(draw, max_size: int = 8) -> list[rules.CustomerRow]:
    """Customers with distinct numbers, as ``read_csv`` would give them back."""
    phones = draw(st.lists(st.sampled_from(NUMBERS), max_size=max_size, unique=True))
    return [
        rules.CustomerRow(
            line=index + 2,
            phone=phone,
            name=draw(names),
            email=draw(emails),
            address=draw(addresses),
            tags=draw(tag_sets),
        )
        for index, phone in enumerate(phones)
    ]


# A cell that makes its line bad, with the field the report names.
BAD_CELLS = st.sampled_from(
    [
        ("phone", "12345"),
        ("phone", "+1 555"),
        ("phone", "not a number"),
        ("phone", ""),
        ("email", "someone@"),
        ("name", "x" * (rules.LIMITS["name"] + 1)),
        ("tags", "y" * (rules.LIMITS["tag"] + 1)),
    ]
)
