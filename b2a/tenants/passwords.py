"""Password hashing with argon2id, kept off the event loop (~100 ms a hash)."""

from __future__ import annotations

import asyncio
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from b2a.errors import Invalid

_hasher = PasswordHasher()
MIN_LENGTH = 10


def check_strength(password: str) -> None:
    """Refuse passwords too short to resist guessing.

    Raises:
        Invalid: the password is shorter than the minimum.
    """
    if len(password) < MIN_LENGTH:
        raise Invalid(f"passwords need at least {MIN_LENGTH} characters.", field="password")


async def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches; False for malformed hashes too."""

    def verify() -> bool:
        try:
            return _hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)


def generate_password() -> str:
    """A random password to hand out once (about 96 bits)."""
    return secrets.token_urlsafe(12)
