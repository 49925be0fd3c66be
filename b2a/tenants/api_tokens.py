"""Per-user REST API tokens: shown once, stored as a SHA-256 hash, revocable.

A tenant member's token acts inside their tenant; a super admin's token has no
tenant and opens the admin API (``/api/v1/admin``), which tenant tokens never do.

A token is ``b2a_`` followed by 43 random URL-safe characters (256 bits), so a
plain SHA-256 is enough to store it: unlike a password it cannot be guessed,
and a fast hash keeps every API request to one indexed lookup. The first
characters are kept as a ``prefix`` so people can tell their tokens apart.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from b2a.audit import service as audit
from b2a.errors import Conflict, Forbidden, Invalid, NotFound
from b2a.lib import clock
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role, TenantStatus
from b2a.tenants.service import find_account, normalise_email
from b2a.tenants.tables import ApiToken, User

TOKEN_START = "b2a_"
PREFIX_LENGTH = 12
# Writing last_used_at on every request would turn each read into a write.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class NewToken:
    """A token just created; ``token`` is the only time the secret is ever visible."""

    id: UUID
    name: str
    prefix: str
    token: str


@dataclass(frozen=True)
class TokenSummary:
    """A token as its owner and the operator see it: never the secret."""

    id: UUID
    email: str
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def hash_token(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


async def _user(email: str) -> User:
    user = await find_account(normalise_email(email))
    if user is None:
        raise NotFound(f"no user {email!r}.")
    return user


def _may_manage(actor: Actor, user: User) -> None:
    """Super admins, the user themself, and admins of the user's tenant manage its tokens."""
    if actor.is_super_admin or actor.user_id == user.id:
        return
    if actor.role is Role.TENANT_ADMIN and actor.tenant_id == user.tenant:
        return
    raise Forbidden("you may not manage this user's API tokens.")


async def create_api_token(actor: Actor, email: str, *, name: str) -> NewToken:
    """Create a token for the user with this email; the secret is returned once.

    Raises:
        NotFound: no such user.
        Invalid: the name is empty or too long.
        Forbidden: the actor may not manage this user's tokens.
    """
    label = name.strip()
    if not label or len(label) > 80:
        raise Invalid("a token needs a name of 1 to 80 characters.", field="name")
    user = await _user(email)
    _may_manage(actor, user)
    token = TOKEN_START + secrets.token_urlsafe(32)
    row = ApiToken(
        tenant=user.tenant,
        user=user.id,
        name=label,
        prefix=token[:PREFIX_LENGTH],
        token_hash=hash_token(token),
    )
    await row.save()
    await audit.record(
        actor, "api_token.created", tenant_id=user.tenant, user=user.email, name=label
    )
    return NewToken(row.id, label, row.prefix, token)


async def verify_api_token(token: str) -> Actor | None:
    """The actor a bearer token stands for; None for unknown, revoked or disabled access.

    A token stops working when it is revoked, its user is deactivated, or its
    tenant is suspended or deleted. A token without a tenant stands for a super
    admin, and only while its user still is one.
    """
    if not token.startswith(TOKEN_START):
        return None
    row = (
        await ApiToken.select(
            ApiToken.id,
            ApiToken.last_used_at,
            ApiToken.user.id,
            ApiToken.user.role,
            ApiToken.user.email,
            ApiToken.user.is_active,
            ApiToken.tenant.id,
            ApiToken.tenant.status,
        )
        .where((ApiToken.token_hash == hash_token(token)) & ApiToken.revoked_at.is_null())
        .first()
    )
    if row is None or not row["user.is_active"] or not _usable(row):
        return None
    await _touch(row["id"], row["last_used_at"])
    return Actor(
        user_id=row["user.id"],
        role=Role(row["user.role"]),
        tenant_id=row["tenant.id"],
        label=row["user.email"],
    )


def _usable(row: dict[str, Any]) -> bool:
    if row["tenant.id"] is None:
        return bool(row["user.role"] == Role.SUPER_ADMIN)
    return bool(row["tenant.status"] == TenantStatus.ACTIVE)


async def _touch(token_id: UUID, last_used_at: datetime | None) -> None:
    now = clock.now()
    if last_used_at is not None and now - last_used_at < TOUCH_EVERY:
        return
    await ApiToken.update({ApiToken.last_used_at: now}).where(ApiToken.id == token_id)


async def list_api_tokens(actor: Actor, email: str) -> list[TokenSummary]:
    """Every token of one user, newest first, revoked ones included.

    Raises:
        NotFound: no such user.
        Forbidden: the actor may not manage this user's tokens.
    """
    user = await _user(email)
    _may_manage(actor, user)
    rows = (
        await ApiToken.objects()
        .where(ApiToken.user == user.id)
        .order_by(ApiToken.created_at, ascending=False)
    )
    return [
        TokenSummary(r.id, user.email, r.name, r.prefix, r.created_at, r.last_used_at, r.revoked_at)
        for r in rows
    ]


async def revoke_api_token(actor: Actor, ref: str) -> TokenSummary:
    """Revoke a token named by its id or its prefix; it fails on its next use.

    Raises:
        NotFound: no token has this id or prefix.
        Conflict: the prefix is shared by several tokens (use the id).
        Forbidden: the actor may not manage the token's user.
    """
    row = await _token_by_ref(ref.strip())
    user = await User.objects().where(User.id == row.user).first()
    if user is None:
        raise NotFound(f"no API token {ref!r}.")
    _may_manage(actor, user)
    if row.revoked_at is None:
        row.revoked_at = clock.now()
        await row.save([ApiToken.revoked_at])
        await audit.record(
            actor, "api_token.revoked", tenant_id=row.tenant, user=user.email, name=row.name
        )
    return TokenSummary(
        row.id, user.email, row.name, row.prefix, row.created_at, row.last_used_at, row.revoked_at
    )


async def _token_by_ref(ref: str) -> ApiToken:
    try:
        rows = await ApiToken.objects().where(ApiToken.id == UUID(ref))
    except ValueError:
        rows = await ApiToken.objects().where(ApiToken.prefix == ref[:PREFIX_LENGTH])
    if not rows:
        raise NotFound(f"no API token {ref!r}; `b2a token list` shows them.")
    if len(rows) > 1:
        raise Conflict(f"several tokens start with {ref!r}; revoke by id instead.")
    return rows[0]


async def revoke_own_api_token(actor: Actor, token_id: UUID | str) -> TokenSummary:
    """Revoke one of the actor's own tokens (the web UI's "My account").

    Raises:
        NotFound: the actor has no token with this id (another user's token included).
    """
    try:
        key = token_id if isinstance(token_id, UUID) else UUID(str(token_id))
    except ValueError:
        raise NotFound("ApiToken not found.") from None
    # Owned by the actor (whose tenant, if any, is the token's): no tenant filter is needed.
    row = (
        await ApiToken.objects()
        .where((ApiToken.id == key) & (ApiToken.user == actor.user_id))
        .first()
    )
    if row is None:
        raise NotFound("ApiToken not found.")
    return await revoke_api_token(actor, str(row.id))
