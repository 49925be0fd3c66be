"""Phone numbers as WhatsApp uses them: E.164 digits without the plus."""

from __future__ import annotations

import re

import phonenumbers

from b2a.errors import Invalid

_SEPARATORS = re.compile(r"[\s\-().]")


def normalise_phone(raw: str) -> str:
    """Digits of an international number (10 to 15 of them), without ``+`` or ``00``.

    Raises:
        Invalid: the number is not in international form or has the wrong length.
    """
    cleaned = _SEPARATORS.sub("", raw.strip())
    if cleaned.startswith("+"):
        cleaned = cleaned[1:]
    elif cleaned.startswith("00"):
        cleaned = cleaned[2:]
    if not cleaned.isdigit() or not cleaned.isascii():
        raise Invalid(
            f"{raw!r} is not a phone number: use the international form, e.g. +923001234567.",
            field="phone",
        )
    if not 10 <= len(cleaned) <= 15 or cleaned.startswith("0"):
        raise Invalid(
            f"{raw!r} needs a country code and 10 to 15 digits in all, e.g. +923001234567.",
            field="phone",
        )
    return cleaned


def display_phone(digits: str) -> str:
    """A stored number (E.164 digits) as people write it: ``+92 300 1234567``.

    Formatted by its country's rules (phonenumbers, Google's libphonenumber
    metadata); a number no country claims (such as ``+99…``) is shown as
    ``+`` and its digits, and an empty one as nothing.
    """
    if not digits:
        return ""
    try:
        number = phonenumbers.parse(f"+{digits}")
    except phonenumbers.NumberParseException:
        return f"+{digits}"
    if not phonenumbers.is_possible_number(number):
        return f"+{digits}"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
