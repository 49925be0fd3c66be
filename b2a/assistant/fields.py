"""Customer details and quantities written in a message, in English or Roman Urdu.

Patterns, not guesses: a name needs a cue ("my name is", "mera naam … hai",
"name:"), an address one too ("address:", "mera pata", "deliver to", "I live
in"), so a message that merely mentions an address ("shop ka address kya hai?")
yields nothing. Phones are 10 to 15 digits in local (0300-1234567) or
international (+92 300 1234567, 0092…) form.
"""

from __future__ import annotations

import re

from b2a.assistant import text as t
from b2a.assistant.when import time_spans

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\d[\d\s().-]{7,20}\d(?![\w])")
_CNIC = re.compile(r"\d{5}-\d{7}-\d")
"""A Pakistani identity card number: 13 digits, but not a phone."""
_NAME = re.compile(
    r"\b(?:my\s+name\s+is|my\s+names|name\s+is|(?:mera|my|student|child|beti|beta)?\s*"
    r"(?:name|naam))\s*(?:is|hai|:|-)*\s*(?P<value>[a-z][a-z.\s]{0,60})",
    re.IGNORECASE,
)
_SELF = re.compile(
    r"\b(?i:i\s+am|im|this\s+is)\s+(?P<value>[A-Z][a-zA-Z.]*(?:\s+[A-Z][a-zA-Z.]*){0,2})"
)
_ADDRESS = re.compile(
    r"\b(?:(?:my|mera|meri|delivery|home|ghar\s+ka)\s+)?(?:address|adress|addres|pata)"
    r"(?:\s+(?:is|hai))?\s*[:\-]?\s*(?:is|hai)?\s*[:\-]?\s*(?P<a>.+)"
    r"|\b(?:deliver\s+to|send\s+(?:it\s+)?to|i\s+live\s+(?:in|at))\s*[:\-]?\s*(?P<b>.+)",
    re.IGNORECASE,
)
_NEXT_FIELD = re.compile(
    r"[,;.]?\s*\b(?:name|naam|phone|number|mobile|cell|email|e-mail|contact|aur\s+(?:mera\s+)?"
    r"(?:number|phone|email))\b.*$|[,;]?\s*(?:\+|00)?\d[\d\s-]{8,}\d.*$",
    re.IGNORECASE,
)
_NAME_END = {"hai", "he", "h", "hu", "hun", "hoon", "and", "aur", "or", "from", "here", "class"}
_ASKED_FOR = re.compile(
    r"(?:send|bhej\w*|share|bata\w*|de|dein|do|dijiye|dijye|please|plz|pls|kya|kia|what|chahiye)\b",
    re.IGNORECASE,
)
"""Words after "address" that ask for ours ("adress send kr dein plz"), not give theirs."""
_ADDRESS_TRAILER = re.compile(r"\s*(?:\bhai\b|\bhe\b)?\s*[.!]*\s*$", re.IGNORECASE)

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "twelve": 12, "twenty": 20, "ek": 1, "aik": 1, "do": 2, "teen": 3,
    "char": 4, "chaar": 4, "panch": 5, "paanch": 5, "chay": 6, "chhe": 6, "saat": 7, "aath": 8,
    "nau": 9, "das": 10, "dus": 10,
}  # fmt: skip
_TOKEN = re.compile(r"\d{1,3}(?:,\d{3})+|\d+(?:[.:/-]\d+)*x?|[a-z]+|[,;+&]")
_UNITS = {"x", "pcs", "pc", "pieces", "piece", "nos", "qty"}
_PHRASE_END = {"and", "aur", "or", "ya", "plus", "with", ",", ";", "+", "&"}


def extract_fields(message: str) -> dict[str, str]:
    """Name, phone, email and address the message gives, each only when clearly given."""
    fields: dict[str, str] = {}
    if email := _EMAIL.search(message):
        fields["email"] = email.group(0)
    rest = _EMAIL.sub(" ", message)
    if phone := _phone(rest):
        fields["phone"] = phone
    if name := _name(rest):
        fields["name"] = name
    if address := _address(rest):
        fields["address"] = address
    return fields


def _phone(message: str) -> str:
    for found in _PHONE.finditer(message):
        raw = found.group(0)
        if _CNIC.fullmatch(raw):
            continue
        digits = re.sub(r"\D", "", raw)
        if raw.startswith("00"):
            return "+" + digits[2:] if 10 <= len(digits) - 2 <= 15 else ""
        if 10 <= len(digits) <= 15:
            return ("+" if raw.startswith("+") else "") + digits
    return ""


def _name(message: str) -> str:
    for pattern in (_NAME, _SELF):
        for found in pattern.finditer(message):
            if name := _clean_name(found.group("value")):
                return name
    return ""


def _clean_name(value: str) -> str:
    kept: list[str] = []
    for word in value.split():
        bare = word.strip(".")
        if bare.lower() in _NAME_END or not bare.isalpha():
            break
        kept.append(bare)
        if len(kept) == 3:
            break
    if not kept or any(t.canonical(w.lower()) in t.FILLER for w in kept):
        return ""
    return " ".join(kept)


def _address(message: str) -> str:
    found = _ADDRESS.search(message)
    if not found or (found.group("a") and _ASKED_FOR.match(found.group("a"))):
        return ""
    value = _NEXT_FIELD.sub("", found.group("a") or found.group("b") or "")
    value = _ADDRESS_TRAILER.sub("", value).strip(" ,;:-")
    meaningful = [w for w in t.words(value) if w not in t.FILLER]
    return value if meaningful and len(value) >= 4 else ""


def extract_quantities(message: str) -> list[tuple[int, str]]:
    """Each quantity written before something ("2 haircuts", "do haircut", "3x banner").

    The words after the number (up to three, to the next "and"/"aur"/comma) are
    returned for the caller to match against the catalogue; a number word
    followed by a stopword ("do you …") is no quantity, nor is a phone number,
    a time or a date ("0300 …", "5:30", "12/05"): every number the time reader
    takes as part of a day or clock ("kal 3 baje", "shaam 6", "at 11") is left
    out before the quantities are read, and ends the words that follow a number.
    """
    for start, end in sorted(time_spans(message), reverse=True):
        message = f"{message[:start]} , {message[end:]}"
    tokens = _TOKEN.findall(t.fold(message))
    found: list[tuple[int, str]] = []
    for i, token in enumerate(tokens):
        amount = _amount(token)
        if not amount:
            continue
        following = tokens[i + 1 :]
        while following and following[0] in _UNITS:
            following = following[1:]
        phrase: list[str] = []
        for word in following:
            if word in _PHRASE_END or not word.isalpha() or len(phrase) == 3:
                break
            phrase.append(word)
        if phrase and t.canonical(phrase[0]) not in t.STOPWORDS:
            found.append((amount, " ".join(phrase)))
    return found


def _amount(token: str) -> int:
    number = token.removesuffix("x").replace(",", "")
    if number.isdigit() and not number.startswith("0"):
        return int(number) if int(number) <= 9999 else 0
    return _NUMBER_WORDS.get(token, 0)
