"""Which characters text may hold: what the edge refuses and what inbound messages have replaced.

PostgreSQL's text cannot hold NUL at all, asyncpg cannot encode a lone
surrogate, and the other C0 control characters (everything below U+0020 but
tab, line feed and carriage return) are never typed by a person: in a form or
an API body they are a mistake or an attack, so the HTTP edge refuses them
(``first_unusable``). What a customer's phone sent is another matter: it is
never refused nor dropped, only each such character replaced by U+FFFD, the
replacement character (``readable``), so the message is kept and shows that
something was there. Keys, tokens and secrets other services issue are
checked by their shape (``is_token``) before they are stored.
"""

from __future__ import annotations

import json
import re
from typing import Any

REPLACEMENT = "\ufffd"
UNUSABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
"""C0 controls other than tab, LF and CR, and lone surrogates (never valid in UTF-8)."""
_UNUSABLE_IN_JSON = re.compile("[\ud800-\udfff]|" + r"\\(?:u00[01][0-9a-f]|[bf])")
"""What ``json.dumps(..., ensure_ascii=False)`` makes of an unusable character: a lone
surrogate as it is, a control character as an escape (backspace and form feed as \\b and
\\f). An escaped backslash before such letters matches too: it only costs the slow way."""
TOKEN = re.compile("[\x21-\x7e]*")
"""Visible ASCII: what every key, token and secret another service issues is made of."""


def first_unusable(text: str) -> int | None:
    """The index of the first character text may not hold, or None when it has none."""
    found = UNUSABLE.search(text)
    return found.start() if found else None


def is_token(value: str) -> bool:
    """Whether ``value`` has the shape of an issued key or token: visible ASCII, no spaces.

    Such values travel in HTTP headers, which hold ASCII only: one with another
    character would fail at the first call that sends it, long after it was saved.
    """
    return TOKEN.fullmatch(value) is not None


def readable(value: Any) -> Any:
    """``value`` with every unusable character of its strings replaced by U+FFFD, keys included.

    Strings, and the strings inside lists and dicts (as a JSON payload holds
    them); anything else is returned as it is.
    """
    if isinstance(value, str):
        return UNUSABLE.sub(REPLACEMENT, value)
    if isinstance(value, dict):
        return {readable(key): readable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [readable(item) for item in value]
    return value


def readable_json(value: Any) -> str:
    """``value`` (a JSON payload) as JSON text, with ``readable``'s replacements.

    Nearly every payload holds no unusable character, so it is written once and
    the text is looked at; only a payload that may hold one is rebuilt by
    ``readable`` and written again. Rebuilding every payload's dicts and lists
    was 3 % of ``b2a serve``'s time per webhook under cProfile (``bench.profile_serve``).
    """
    text = json.dumps(value, ensure_ascii=False)
    if _UNUSABLE_IN_JSON.search(text) is None:
        return text
    return json.dumps(readable(value), ensure_ascii=False)
