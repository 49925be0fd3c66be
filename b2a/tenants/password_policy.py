"""What makes a password too easy to guess, said in plain words (pure: no I/O but the list).

Every door that sets a password (sign-up, an invitation, a reset link, a
change on My account, ``b2a init``, ``b2a user``, the admin panel, the API)
asks ``password_problem`` through ``passwords.check_strength``; a password
already stored is never judged again at login.

Refused: fewer than ``MIN_LENGTH`` characters, one of the 10,000 most used
passwords (``common-passwords.txt``, the top of zxcvbn's frequency list, see
docs/decisions.md), the account's email or its local part with trivial changes
(case, dots, digits or symbols around it), and one character or one short
part repeated ("aaaaaaaaaaaa", "passwordpassword", "abcabcabcabc").
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

MIN_LENGTH = 10
MAX_LENGTH = 256
COMMON_FILE = "common-passwords.txt"

TOO_SHORT = f"passwords need at least {MIN_LENGTH} characters."
TOO_LONG = f"passwords can have at most {MAX_LENGTH} characters."
COMMON = "this password is one of the 10,000 most used; choose another."
FROM_EMAIL = "a password made from your email address is easy to guess; choose another."
ONE_CHARACTER = "a password made of one character repeated is easy to guess; choose another."
REPEATED = "a password made of one word or pattern repeated is easy to guess; choose another."

_REPEAT = re.compile(r"^(.+?)\1+$", re.DOTALL)
_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")


@cache
def common_passwords() -> frozenset[str]:
    """The 10,000 most used passwords, lower-cased, as shipped in the package."""
    text = resources.files("b2a.tenants").joinpath(COMMON_FILE).read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def _bare(text: str) -> str:
    """Lower-cased, with every space, dot and symbol taken out."""
    return _NOT_LETTER_OR_DIGIT.sub("", text.lower())


def _from_email(password: str, email: str) -> bool:
    address = email.strip().lower()
    if "@" not in address:
        return False
    local = address.split("@", 1)[0]
    bare = _bare(password)
    names = {_bare(address), _bare(local), _bare(local.split("+", 1)[0])}
    # A local part of one or two letters says too little to judge by; the other rules still hold.
    names = {name for name in names if len(name) >= 3}
    # Case, dots and symbols are ignored; digits may only be added before or after.
    return any(re.fullmatch(rf"\d*{re.escape(name)}\d*", bare) for name in names)


def _repeat_unit(password: str) -> str | None:
    """The part that, repeated, makes the whole password (spaces and symbols ignored)."""
    bare = _bare(password) or password.lower()
    match = _REPEAT.match(bare)
    return match.group(1) if match else None


def password_problem(password: str, *, email: str = "") -> str | None:
    """Why ``password`` is refused for the account of ``email``, or None when it is fine."""
    if len(password) < MIN_LENGTH:
        return TOO_SHORT
    if len(password) > MAX_LENGTH:
        return TOO_LONG
    if password.strip().lower() in common_passwords():
        return COMMON
    if email and _from_email(password, email):
        return FROM_EMAIL
    unit = _repeat_unit(password)
    if unit is not None:
        return ONE_CHARACTER if len(unit) == 1 else REPEATED
    return None
