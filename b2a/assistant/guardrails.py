"""Guardrails on every assistant text, whatever wrote it (SPEC §5).

A text fails when it:

- states an amount that is not the catalogue price of a service it names, nor
  an amount the tenant's own FAQ states, nor a sum over the items the reply
  references (``ProviderReply.items``): one item's price × its quantity, or
  the total of price × quantity over all of them. A total is never read from
  the text ("2 haircuts … PKR 3,000" passes only when the reply references two
  haircuts), so a made-up total blocks whatever the text claims;
- offers or prices something that is not in the catalogue;
- speaks of discounts, free gifts, guarantees, or says an order is confirmed;
- contains one of the tenant's prohibited phrases, however disguised.

Amounts are read from the original text (leetspeak decoding would turn "500"
into "soo"); phrases are matched on ``normalise``-d text, which undoes case,
accents, leetspeak, zero-width characters and spacing tricks
("d.i.s.c.0.u.n.t", "f r e e e").

Limits, stated honestly: a service is recognised by its catalogue name or a
synonym; an invented service is caught when the text prices or offers it
("we also offer X", "X costs …", "X: PKR …"), not when it is merely mentioned
in passing. Bare numbers count as amounts only next to price words
("price 1500", "for 1500", "1500/-"), so hours, quantities and order numbers
pass.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from b2a.assistant.shapes import CatalogItem, CatalogView, ItemRef
from b2a.catalog.money import exponent

_ZERO_WIDTH = re.compile("[\u200b-\u200f\u2060\ufeff\u00ad]")
_LEET = str.maketrans(
    {"0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"}
)
_REPEATS = re.compile(r"(.)\1+")
# Sentence punctuation after a word ("confirmed!") is punctuation, not leetspeak.
_TRAILING = re.compile(r"(?<=[a-z])[!.,;:?)\"']+$")


@dataclass(frozen=True)
class Violation:
    """Why a text may not be sent; ``rule`` is stable, ``detail`` is for the inbox."""

    rule: str
    detail: str


def _fold(text: str) -> str:
    if text.isascii():  # nothing to decompose or strip: most drafts, every catalogue name
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", _ZERO_WIDTH.sub("", text))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def normalise(text: str) -> str:
    """Lower case, no accents, leetspeak decoded, words separated by single spaces.

    ``1`` is read as ``i``; ``squashed`` also tries ``l``.
    """
    tokens = [_TRAILING.sub("", token) for token in _fold(text).split()]
    decoded = " ".join(tokens).translate(_LEET).replace("1", "i")
    return " ".join(re.findall(r"[a-z]+", decoded))


def squashed(text: str) -> set[str]:
    """Letters only, repeats collapsed, so spacing and stretching tricks vanish; 1 as i and l."""
    folded = _fold(text).translate(_LEET)
    return {_REPEATS.sub(r"\1", re.sub(r"[^a-z]", "", folded.replace("1", one))) for one in "il"}


# Built-in phrase rules, read on normalised text with word boundaries so that
# "feel free to ask" and "sent for approval" pass.
_LANGUAGE_RULES: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    (
        "discount",
        "offers a discount",
        re.compile(
            r"\b(discounts?|discounted|rebate|cashback|cash back|coupons?|promo|promo code|"
            r"voucher|sale|clearance|cheaper|lower price|reduced price|special price|"
            r"special offer|half price|percent off|per cent off|off the price|"
            r"riyayat|riayat|kam kar|kam kardo|kam kar denge|sasta|saste|sasti)\b"
        ),
    ),
    (
        "free_gift",
        "promises something free",
        re.compile(
            r"(?<!feel )(?<!be )(?<!toll )(?<!hands )\bfree\b(?! to\b)(?! time\b)|"
            r"\b(at no (extra )?cost|complimentary|bonus|muft|mufat|buy one get|bogo|gifts?)\b"
        ),
    ),
    (
        "guarantee",
        "gives a guarantee",
        re.compile(
            r"\b(guarantee|guaranteed|guarantees|warranty|money back|refund guaranteed|"
            r"we promise|i promise|pakka|zaroor milega)\b"
        ),
    ),
    (
        "confirmation",
        "says an order is confirmed",
        re.compile(
            r"\b(order (is |has been |was )?(confirmed|placed|booked|done)|"
            r"(booking|appointment|reservation) (is |has been )?confirmed|"
            r"(i|we) (have |ve )?(confirmed|booked)|confirm(ed)? (your|the) (order|booking)|"
            r"confirm ho (gaya|gya|gayi|gai)|book ho (gaya|gya|gayi|gai)|booked|"
            r"order (ho|hogaya|ho gaya)|will be delivered)\b"
        ),
    ),
)
# Squashed forms that cannot hide inside an innocent word, caught even when spaced out.
# Stems with their repeats collapsed, as ``squashed`` reads a text (once, not per turn).
_SQUASHED_RULES = tuple(
    (rule, detail, tuple(_REPEATS.sub(r"\1", stem) for stem in stems))
    for rule, detail, stems in (
        ("discount", "offers a discount", ("discount", "cashback", "riyayat")),
        ("guarantee", "gives a guarantee", ("guarant", "moneyback")),
        ("free_gift", "promises something free", ("freegift", "forfree", "muft")),
        (
            "confirmation",
            "says an order is confirmed",
            (
                "orderisconfirmed",
                "orderconfirmed",
                "orderhasbeenconfirmed",
                "bookingconfirmed",
                "bookingisconfirmed",
                "confirmedyourorder",
                "confirmhogaya",
            ),
        ),
    )
)
# A percentage, read with every separator gone so "5.0.%.o.f.f" and "5 0 per cent" count.
_PERCENT = re.compile(r"\d(%|percent|fisad)|%\d")

_SYMBOLS = {
    "$": ("USD", "CAD", "AUD", "NZD", "SGD", "HKD"),
    "us$": ("USD",),
    "€": ("EUR",),
    "£": ("GBP",),
    "₹": ("INR",),
    "rs": ("PKR", "INR", "LKR", "NPR"),
    "rs.": ("PKR", "INR", "LKR", "NPR"),
    "rupee": ("PKR", "INR", "LKR", "NPR"),
    "rupees": ("PKR", "INR", "LKR", "NPR"),
    "rupay": ("PKR",),
    "rupaye": ("PKR",),
    "dollar": ("USD", "CAD", "AUD", "NZD", "SGD", "HKD"),
    "dollars": ("USD", "CAD", "AUD", "NZD", "SGD", "HKD"),
    "euro": ("EUR",),
    "euros": ("EUR",),
    "pound": ("GBP",),
    "pounds": ("GBP",),
    "dirham": ("AED",),
    "dirhams": ("AED",),
    "riyal": ("SAR", "QAR", "OMR"),
    "riyals": ("SAR", "QAR", "OMR"),
}
_CODE = r"[A-Za-z]{3}"
_UNIT = r"(?:us\$|rs\.?|rupees?|rupaye|rupay|dollars?|euros?|pounds?|dirhams?|riyals?|[$€£₹])"
_NUMBER = r"(\d{1,3}(?:[,\s]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(\s?[kK]\b)?"
_AMOUNT = re.compile(
    rf"(?:(?P<pre>{_UNIT}|\b{_CODE})\s?{_NUMBER}|{_NUMBER}\s?(?P<post>{_UNIT}|{_CODE}\b|/-))",
    re.IGNORECASE,
)
_CUE = re.compile(
    r"\b(price|prices|cost|costs|costing|rate|rates|only|just|pay|charge|charges|fee|fees|"
    r"qeemat|keemat|kimat|for|at|is)\s*[:=-]?\s*(\d[\d,]*(?:\.\d+)?)\b(?!\s*(?:x|am|pm|:|%|"
    r"minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|people|persons?|pieces?|pcs|"
    r"copies|pages?|sessions?|classes|items?))",
    re.IGNORECASE,
)
_OFFER = re.compile(
    r"\b(?:we (?:also )?(?:offer|provide|sell|have|do|make)|available(?: services)?:|"
    r"try our|you can (?:also )?(?:get|order|book))\s+(?P<thing>[^.,!?\n;:]{3,60})",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Amount:
    """A money amount found in a text: its value and the currencies it could be."""

    value: Decimal
    currencies: tuple[str, ...]
    raw: str


def find_amounts(text: str, default_currency: str = "") -> list[Amount]:
    """Every money amount in ``text``: with a currency mark, or a bare number after a price word."""
    found: list[Amount] = []
    taken: list[tuple[int, int]] = []
    for match in _AMOUNT.finditer(text):
        mark = (match.group("pre") or match.group("post") or "").strip()
        currencies = _currencies(mark, default_currency)
        if currencies is None:
            continue
        number, thousands = (
            (match.group(2), match.group(3))
            if match.group("pre") is not None
            else (match.group(4), match.group(5))
        )
        value = _value(number, thousands)
        if value is not None:
            found.append(Amount(value, currencies, match.group(0)))
            taken.append(match.span())
    for match in _CUE.finditer(text):
        start = match.start(2)
        if any(a <= start < b for a, b in taken):
            continue
        value = _value(match.group(2), None)
        if value is not None:
            found.append(
                Amount(value, (default_currency,) if default_currency else (), match.group(2))
            )
    return found


def _currencies(mark: str, default_currency: str) -> tuple[str, ...] | None:
    """The currencies a mark may mean; None when it is no currency ("Try 1", "top 5")."""
    if mark == "/-":
        return (default_currency,) if default_currency else ()
    if mark.lower() in _SYMBOLS:
        return _SYMBOLS[mark.lower()]
    upper = mark.upper()
    if upper in _ISO and (mark.isupper() or upper in _COMMON):
        return (upper,)
    return None


def _value(number: str, thousands: str | None) -> Decimal | None:
    try:
        value = Decimal(re.sub(r"[,\s]", "", number))
    except InvalidOperation:
        return None
    return value * 1000 if thousands else value


def named_services(text: str, catalog: CatalogView) -> list[CatalogItem]:
    """Catalogue services the text names, by name or synonym, in catalogue order."""
    words = f" {normalise(text)} "
    named = []
    for item in catalog.services:
        for name in (item.name, *item.synonyms):
            key = normalise(name)
            if key and (f" {key} " in words or f" {key}s " in words or f" {key}es " in words):
                named.append(item)
                break
    return named


def check(
    text: str,
    catalog: CatalogView,
    prohibited: Sequence[str] = (),
    items: Sequence[ItemRef] = (),
) -> list[Violation]:
    """Every reason ``text`` may not be sent to a customer; empty when it may.

    ``items`` are the services the reply references with their quantities:
    the only source of an amount that is not one catalogue price (a line of
    several, a total).
    """
    violations = _language(_unquoted(text, catalog))
    violations += _prohibited(text, prohibited)
    violations += _amounts(text, catalog, items)
    violations += _offers(text, catalog)
    return violations


def _unquoted(text: str, catalog: CatalogView) -> str:
    """The text without the tenant's own service descriptions quoted in it, for the language rules.

    A description the business wrote ("frizz-free hair for up to four months")
    is grounded as the FAQ's answers are (``_faq_says``); a "free" the reply
    adds around it is still read.
    """
    folded = _fold(text)
    for item in catalog.services:
        quoted = _fold(item.description).strip().rstrip(".").strip()
        if quoted:
            folded = folded.replace(quoted, " | ")
    return folded


def _language(text: str) -> list[Violation]:
    plain = normalise(text)
    found: dict[str, Violation] = {}
    for rule, detail, pattern in _LANGUAGE_RULES:
        hit = pattern.search(plain)
        if hit:
            found[rule] = Violation(rule, f'{detail} ("{hit.group(0)}")')
    forms = squashed(text)
    for rule, detail, stems in _SQUASHED_RULES:
        if rule not in found and any(stem in form for stem in stems for form in forms):
            found[rule] = Violation(rule, f"{detail} (disguised)")
    if "discount" not in found and _PERCENT.search(re.sub(r"[^0-9a-z%]", "", _fold(text))):
        found["discount"] = Violation("discount", "offers a discount (a percentage)")
    return list(found.values())


def _prohibited(text: str, phrases: Sequence[str]) -> list[Violation]:
    forms = squashed(text)
    hits = []
    for phrase in phrases:
        keys = {key for key in squashed(phrase) if key}
        if keys and any(key in form for key in keys for form in forms):
            hits.append(Violation("prohibited", f'contains the prohibited phrase "{phrase}"'))
    return hits


def _amounts(text: str, catalog: CatalogView, items: Sequence[ItemRef]) -> list[Violation]:
    currency = catalog.services[0].currency if catalog.services else ""
    amounts = find_amounts(text, currency)
    if not amounts:
        return []
    allowed = _allowed_amounts(text, catalog, items)
    violations = []
    for amount in amounts:
        ok = any(
            value == amount.value and (not amount.currencies or code in amount.currencies)
            for value, code in allowed
        )
        if not ok:
            violations.append(
                Violation(
                    "amount",
                    f"{amount.raw.strip()} is not the price of any service named in the reply",
                )
            )
    return violations


def _allowed_amounts(
    text: str, catalog: CatalogView, items: Sequence[ItemRef]
) -> set[tuple[Decimal, str]]:
    """Prices of the named services, the referenced items' sums, and the FAQ's own amounts."""
    allowed = {
        (_major(item.price_minor, item), item.currency) for item in named_services(text, catalog)
    }
    totals: dict[str, Decimal] = {}
    for ref in items:
        item = catalog.service(ref.service_id)
        if item is None:
            continue
        line = _major(item.price_minor * ref.quantity, item)
        allowed.update({(_major(item.price_minor, item), item.currency), (line, item.currency)})
        totals[item.currency] = totals.get(item.currency, Decimal(0)) + line
    allowed.update((total, code) for code, total in totals.items())
    # Read the FAQ with the reply's default currency, so a quoted answer's "at 12" is itself.
    currency = catalog.services[0].currency if catalog.services else ""
    for entry in catalog.faq:
        for amount in find_amounts(entry.answer, currency):
            allowed.update((amount.value, code) for code in amount.currencies or ("",))
    return allowed


def _major(amount_minor: int, item: CatalogItem) -> Decimal:
    return Decimal(amount_minor) / (10 ** exponent(item.currency))


def _offers(text: str, catalog: CatalogView) -> list[Violation]:
    violations = []
    for match in _OFFER.finditer(_fold(text)):
        thing = match.group("thing")
        if (
            not named_services(thing, catalog)
            and not _generic(thing)
            and not _faq_says(thing, catalog)
        ):
            violations.append(
                Violation(
                    "unknown_service", f'offers "{thing.strip()}", which is not in the catalogue'
                )
            )
    return violations


_GENERIC = re.compile(
    r"^\s*(?:(?:a|an|the|some|these|those|other|more|many|several|few|different|various|"
    r"following|all|our|your|any|great|good|lots of|a range of|a variety of|options?|"
    r"services?|items?|products?|choices?|packages?|something|anything|everything|more|"
    r"and|of|for|you|it|that|this|them|what you need|questions?|help)\b[\s,]*)+$",
    re.IGNORECASE,
)


def _faq_says(thing: str, catalog: CatalogView) -> bool:
    """The tenant's own FAQ answer offers it ("we have a separate ladies section"): grounded."""
    return any(thing.strip() in _fold(entry.answer) for entry in catalog.faq)


def _generic(thing: str) -> bool:
    """Words that offer nothing specific ("we have some options", "we have more")."""
    return bool(_GENERIC.match(re.sub(r"\d+", "", thing)))


# Currency codes also recognised in lower case; any ISO code counts when written in capitals.
_COMMON = frozenset({"PKR", "USD", "EUR", "GBP", "AED", "INR", "SAR", "CAD", "AUD"})
_ISO = frozenset(
    re.findall(
        "[A-Z]{3}",
        """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN
    BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP
    GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS
    KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR
    MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF
    SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS
    UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL""",
    )
)
