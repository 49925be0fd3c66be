"""Phone numbers as WhatsApp uses them: E.164 digits without the plus."""

from __future__ import annotations

import contextlib
import functools
import re
import zoneinfo
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

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


@functools.lru_cache(maxsize=8192)
def display_phone(digits: str) -> str:
    """A stored number (E.164 digits) as people write it: ``+92 300 1234567``.

    Formatted by its country's rules (phonenumbers, Google's libphonenumber
    metadata); a number no country claims (such as ``+99…``) is shown as
    ``+`` and its digits, and an empty one as nothing. Cached: parsing costs
    about 50 µs, and the inbox shows the same numbers on every list and thread
    it draws (a pure function of the digits, so the cache is never stale).
    """
    if not digits:
        return ""
    try:
        number = phonenumbers.parse(f"+{digits}")
    except phonenumbers.NumberParseException:
        return f"+{digits}"
    if not phonenumbers.is_possible_number(number):
        return f"+{digits}"
    shown = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    # A run of national zeros can be folded away by the formatter; never show other digits.
    return shown if re.sub(r"\D", "", shown) == digits else f"+{digits}"


def parse_phone(raw: str, region: str = "") -> str:
    """A number as people type it (any spacing, ``+``, ``00``, or national) as E.164 digits.

    International numbers (``+`` or ``00``) are read as they are; a national
    number (``0300 1234567``) needs ``region``, the ISO country code of the
    business (``PK``). Eleven or more digits with no ``+`` that are no national
    number are read as international: spreadsheets drop the ``+`` of a number
    they saved. The number must be valid for its country by Google's
    libphonenumber metadata.

    Raises:
        Invalid: it is not a number, has no country code and no region is known,
        or its country has no such number.
    """
    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    if text.startswith("+"):
        return _valid(raw, text, None)
    national: Invalid | None = None
    if region:
        try:
            return _valid(raw, text, region)
        except Invalid as exc:
            national = exc
    digits = _SEPARATORS.sub("", text)
    if digits.isdigit() and len(digits) >= 11 and not digits.startswith("0"):
        with contextlib.suppress(Invalid):
            return _valid(raw, f"+{digits}", None)
    raise national or Invalid(
        f"{raw!r} has no country code: write it as +<country code><number>, e.g. +923001234567.",
        field="phone",
    )


def _valid(raw: str, text: str, region: str | None) -> str:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise Invalid(f"{raw!r} is not a phone number.", field="phone") from None
    if not phonenumbers.is_valid_number(number):
        country = phonenumbers.region_code_for_country_code(number.country_code or 0)
        where = f" in {country}" if country != phonenumbers.UNKNOWN_REGION else ""
        raise Invalid(f"{raw!r} is not a valid number{where}: check its digits.", field="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:]


def region_for_zone(time_zone: str) -> str:
    """The ISO country code of an IANA time zone (``Asia/Karachi`` → ``PK``), or ``""``.

    From the tz database's own ``zone.tab``; zones that are no country's
    (``UTC``, ``Etc/…``) have none, so national numbers then need a ``+``.
    """
    return _zone_countries().get(time_zone.strip(), "")


@functools.cache
def _zone_countries() -> dict[str, str]:
    for source in _zone_tabs():
        try:
            text = source.read_text(encoding="utf-8")
        except OSError:
            continue
        countries: dict[str, str] = {}
        for line in text.splitlines():
            fields = line.split("\t")
            if len(fields) >= 3 and not line.startswith("#"):
                countries[fields[2]] = fields[0]
        return countries
    return {}


def _zone_tabs() -> list[Traversable]:
    """``zone.tab`` from the tzdata package if installed, then from the system's zoneinfo."""
    tabs: list[Traversable] = []
    with contextlib.suppress(ModuleNotFoundError):
        tabs.append(resources.files("tzdata.zoneinfo").joinpath("zone.tab"))
    tabs.extend(Path(root) / "zone.tab" for root in zoneinfo.TZPATH)
    return tabs
