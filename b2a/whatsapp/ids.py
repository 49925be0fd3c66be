"""What WhatsApp's identifiers may look like before they reach the database.

Every id a transport hands over (a Cloud API webhook, a WhatsApp-Web session,
the sandbox) passes one of these rules on its way in, so no id can fail a
statement because of its length or its characters:

- **Message ids** (Meta's ``wamid``, WhatsApp-Web's ids, the quoted and the
  reacted-to message): kept as given when they are 1 to 128 printable ASCII
  characters without spaces (``Message.wa_message_id`` holds 128). Anything
  else, an over-long id above all, is kept as a stable digest that fits:
  ``<the first 40 usable characters>#<sha256 of the whole id>``. The same id
  always gives the same digest, so a redelivery still deduplicates and a status
  or reaction naming it finds the message stored under it. The rule is
  idempotent: a digest is itself a valid id and stays as it is.
- **Opaque person ids** (business-scoped user ids, JIDs, LIDs): the same rule.
- **Phone numbers** (``wa_id``, ``from``): 1 to 20 digits (a leading ``+`` is
  dropped); anything else is no phone number at all.
- **Meta object ids** (``phone_number_id``, the WhatsApp Business Account id,
  media ids): 1 to 64 letters, digits, ``_``, ``.`` or ``-``, starting with a
  letter or digit; anything else is no id. A media id becomes part of a Graph
  API path, so nothing else may pass.
- **Words Meta uses as names** (a status, a webhook field): lower-case letters,
  digits and ``_``, up to 24 (status) or 64 (field) characters, so every event key fits
  ``InboundEvent.dedupe_key``.
"""

from __future__ import annotations

import hashlib
import re

MESSAGE_ID_MAX = 128
"""The longest message id stored as given (``Message.wa_message_id``, ``reply_to``)."""
DIGEST_PREFIX = 40
"""How many characters of an over-long id stay readable before its digest."""
PHONE_MAX = 20
"""``Customer.phone``; E.164 numbers have at most 15 digits."""
META_ID_MAX = 64

_PRINTABLE = re.compile(r"[\x21-\x7e]+")
_KEPT = re.compile(rf"[\x21-\x7e]{{1,{MESSAGE_ID_MAX}}}")
_PHONE = re.compile(rf"[0-9]{{1,{PHONE_MAX}}}")
_META_ID = re.compile(rf"[A-Za-z0-9][A-Za-z0-9_.\-]{{0,{META_ID_MAX - 1}}}")
_STATUS = re.compile(r"[a-z0-9_]{1,24}")
_FIELD = re.compile(r"[a-z0-9_]{1,64}")


def message_id(raw: str) -> str:
    """A message id as stored: itself when it fits, else its digest; "" when there is none."""
    if _KEPT.fullmatch(raw):
        return raw
    if not raw.strip():
        return ""
    readable = "".join(_PRINTABLE.findall(raw))[:DIGEST_PREFIX]
    # surrogatepass: a lone surrogate (valid in JSON, not in UTF-8) still has one digest.
    digest = hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{readable}#{digest}"


def opaque_id(raw: str) -> str:
    """A user id, JID or LID as stored: the message id rule (kept, or a stable digest)."""
    return message_id(raw)


def phone(raw: str) -> str:
    """A customer's number as digits, or "" when it is not one."""
    digits = raw.strip().removeprefix("+")
    return digits if _PHONE.fullmatch(digits) else ""


def meta_id(raw: str) -> str:
    """A phone number id, business account id or media id, or "" when it is not one."""
    cleaned = raw.strip()
    return cleaned if _META_ID.fullmatch(cleaned) else ""


def status_word(raw: str) -> str:
    """A delivery status as Meta names it, lower case; "unknown" for anything else."""
    word = raw.strip().lower()
    return word if _STATUS.fullmatch(word) else "unknown"


def field_name(raw: str) -> str:
    """A webhook field name (``messages``, ``account_update``), or "" when it is not one."""
    return raw if _FIELD.fullmatch(raw) else ""
