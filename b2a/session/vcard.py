r"""A small vCard reader for the contact cards customers share on WhatsApp-Web.

WhatsApp-Web hands over a shared contact as vCard text (3.0 from the phones,
2.1 or 4.0 when another app made it), where the Cloud API sends the same card
already split into fields. This reader turns the text into the card shape of
``b2a.whatsapp.inbound`` (name, org, phones with their WhatsApp id and type,
emails) so both transports store the same thing.

It is lenient, because a card that cannot be read is a customer's contact lost:
lines folded with a space or tab (RFC 6350 §3.2) and quoted-printable soft
breaks are joined, escaped characters (``\n``, ``\,``, ``\;``, ``\\``) are
read back, parameters are case-insensitive, may be quoted and may be bare
(2.1's ``TEL;CELL:``), Apple's ``item1.X-ABLabel`` names a grouped number,
several TEL and EMAIL lines are kept in order, and text outside
``BEGIN:VCARD``/``END:VCARD`` still counts as one card. Nothing here raises.
"""

from __future__ import annotations

import quopri
import re
from dataclasses import dataclass, field
from typing import Any

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_ESCAPES = {"n": "\n", "N": "\n"}
GENERIC_TYPES = frozenset({"VOICE", "PREF", "INTERNET", "X-INTERNET", "QUOTED-PRINTABLE"})
"""TYPE values that say nothing about which number it is (2.1 also puts its encoding there)."""


@dataclass(frozen=True)
class Property:
    """One content line: ``group.NAME;PARAM=value,…:value``."""

    group: str
    name: str
    params: dict[str, list[str]]
    value: str


@dataclass
class _Card:
    name: str = ""
    structured_name: str = ""
    org: str = ""
    phones: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    seen: bool = False

    def shape(self) -> dict[str, Any]:
        phones = [
            {
                "phone": phone["phone"],
                "wa_id": phone["wa_id"],
                "type": phone["type"] or self.labels.get(group, ""),
            }
            for group, phone in self.phones
        ]
        return {
            "name": self.name or self.structured_name,
            "org": self.org,
            "phones": phones,
            "emails": self.emails,
        }


def read_cards(text: str) -> list[dict[str, Any]]:
    """Every card in ``text``, each ``{"name", "org", "phones", "emails"}``; [] for none."""
    cards: list[dict[str, Any]] = []
    card: _Card | None = None
    for line in logical_lines(text):
        prop = parse_line(line)
        if prop is None:
            continue
        if prop.name == "BEGIN" and prop.value.strip().upper() == "VCARD":
            _finish(card, cards)
            card = _Card()
        elif prop.name == "END" and prop.value.strip().upper() == "VCARD":
            _finish(card, cards)
            card = None
        else:
            card = card or _Card()
            _take(card, prop)
    _finish(card, cards)
    return cards


def _finish(card: _Card | None, cards: list[dict[str, Any]]) -> None:
    if card is not None and card.seen:
        cards.append(card.shape())


def _take(card: _Card, prop: Property) -> None:
    value = decoded(prop)
    if prop.name == "FN":
        card.name = unescape(value).strip()
    elif prop.name == "N":
        family, given, additional, prefix, suffix = (components(value) + [""] * 5)[:5]
        parts = (prefix, given, additional, family, suffix)
        card.structured_name = " ".join(p for p in parts if p)
    elif prop.name == "ORG":
        card.org = ", ".join(p for p in components(value) if p)
    elif prop.name == "TEL":
        card.phones.append((prop.group, _phone(prop, unescape(value).strip())))
    elif prop.name == "EMAIL":
        email = unescape(value).strip()
        if email:
            card.emails.append(email)
    elif prop.name == "X-ABLABEL" and prop.group:
        card.labels[prop.group] = _label(unescape(value).strip())
    else:
        return
    card.seen = True


def _phone(prop: Property, value: str) -> dict[str, str]:
    if value.lower().startswith("tel:"):
        value = value[4:]
    wa_id = next((v for v in prop.params.get("WAID", []) if v), "")
    kinds = [v.upper() for v in prop.params.get("TYPE", []) if v]
    kind = next((k for k in kinds if k not in GENERIC_TYPES), "")
    return {"phone": value or (f"+{wa_id}" if wa_id else ""), "wa_id": wa_id, "type": kind}


def _label(value: str) -> str:
    """Apple's built-in labels read ``_$!<Mobile>!$_``; custom ones are plain."""
    if value.startswith("_$!<") and value.endswith(">!$_"):
        return value[4:-4]
    return value


def logical_lines(text: str) -> list[str]:
    """Physical lines joined back: folded continuations and quoted-printable soft breaks."""
    lines: list[str] = []
    for physical in _LINE_BREAK.split(text):
        if lines and physical[:1] in (" ", "\t"):
            lines[-1] += physical[1:]
        elif lines and _soft_break(lines[-1]):
            lines[-1] = lines[-1][:-1] + physical
        else:
            lines.append(physical)
    return lines


def _soft_break(line: str) -> bool:
    head = _split_outside_quotes(line, ":", limit=1)[0]
    return line.endswith("=") and "QUOTED-PRINTABLE" in head.upper() and head != line


def parse_line(line: str) -> Property | None:
    """A content line as a Property; None for a blank or colon-less line."""
    parts = _split_outside_quotes(line, ":", limit=1)
    if len(parts) < 2:
        return None
    head, value = parts
    name, *raw_params = _split_outside_quotes(head, ";")
    group, _, name = name.strip().rpartition(".")
    if not name:
        return None
    params: dict[str, list[str]] = {}
    for raw in raw_params:
        key, equals, values = raw.partition("=")
        key, values = (key.strip().upper(), values) if equals else ("TYPE", key)
        found = [v.strip().strip('"') for v in _split_outside_quotes(values, ",")]
        if key == "TYPE":  # writers also quote the whole list: TYPE="cell,voice"
            found = [t.strip() for v in found for t in v.split(",")]
        params.setdefault(key, []).extend(found)
    return Property(group.strip(), name.upper(), params, value)


def _split_outside_quotes(text: str, separator: str, limit: int = -1) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == separator and not quoted and limit != 0:
            parts.append("".join(current))
            current = []
            limit -= 1
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def decoded(prop: Property) -> str:
    """The value with any quoted-printable encoding undone (vCard 2.1), in its charset."""
    encodings = prop.params.get("ENCODING", []) + prop.params.get("TYPE", [])  # 2.1 allows it bare
    if "QUOTED-PRINTABLE" not in (v.upper() for v in encodings):
        return prop.value
    raw = quopri.decodestring(prop.value.encode("utf-8", "replace"))
    charset = next(iter(prop.params.get("CHARSET", [])), "utf-8")
    try:
        return raw.decode(charset, "replace")
    except LookupError:
        return raw.decode("utf-8", "replace")


def unescape(value: str) -> str:
    """A text value with its backslash escapes read back."""
    return _unescaped(value, split=False)[0]


def components(value: str) -> list[str]:
    """A structured value (N, ORG) split on its unescaped semicolons, each read back."""
    return [part.strip() for part in _unescaped(value, split=True)]


def _unescaped(value: str, *, split: bool) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    chars = iter(value)
    for char in chars:
        if char == "\\":
            following = next(chars, "")
            current.append(_ESCAPES.get(following, following))
        elif char == ";" and split:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts
