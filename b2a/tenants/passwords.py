"""Password hashing with argon2id, off the event loop (~100 ms a hash), and the policy check."""

from __future__ import annotations

import asyncio
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from b2a.errors import Invalid
from b2a.tenants.password_policy import MIN_LENGTH, password_problem

__all__ = ["MIN_LENGTH", "check_strength", "generate_password", "hash_password", "verify_password"]

_hasher = PasswordHasher()


def check_strength(password: str, *, email: str = "", field: str = "password") -> None:
    """Refuse a password that is easy to guess for the account of ``email`` (``password_policy``).

    Raises:
        Invalid: the reason in plain words (``WEAK_PASSWORD``, naming ``field``).
    """
    problem = password_problem(password, email=email)
    if problem is not None:
        raise Invalid(problem, code="WEAK_PASSWORD", field=field)


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
