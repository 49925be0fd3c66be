"""Password hashing with argon2id, kept off the event loop (~100 ms a hash), and the policy check.

The cost of new hashes comes from ``B2A_AUTH_PASSWORD_HASH_COST``; each process
applies it once at start (``configure_hashing``). A hash carries its own
parameters, so verifying works whatever the cost was when it was made.
"""

from __future__ import annotations

import asyncio
import secrets

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from b2a.errors import Invalid
from b2a.settings import AuthSettings
from b2a.tenants.password_policy import MIN_LENGTH, password_problem

__all__ = [
    "MIN_LENGTH",
    "check_strength",
    "configure_hashing",
    "generate_password",
    "hash_password",
    "verify_against_nothing",
    "verify_password",
]

# RFC 9106's second recommended option (argon2-cffi's own default): 64 MiB, 3 passes,
# 4 lanes. "minimal" is argon2id's smallest cost, for test suites only (production refuses it).
_HASHERS = {
    "standard": PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4, type=Type.ID),
    "minimal": PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, type=Type.ID),
}
_hasher = _HASHERS["standard"]
_dummy_hashes: dict[int, str] = {}


def configure_hashing(auth: AuthSettings) -> None:
    """Make new hashes at the cost the settings choose (once per process, at start)."""
    global _hasher
    _hasher = _HASHERS[auth.password_hash_cost]


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


async def verify_against_nothing(password: str) -> None:
    """Spend the time a verification takes, for an address that has no user."""
    key = _hasher.memory_cost
    if key not in _dummy_hashes:
        _dummy_hashes[key] = await hash_password("not a real password")
    await verify_password(_dummy_hashes[key], password)


def generate_password() -> str:
    """A random password to hand out once (about 96 bits)."""
    return secrets.token_urlsafe(12)
