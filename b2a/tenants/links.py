"""Single-use, expiring links: invitations, password resets, address checks.

A link goes out by email, or is shown once to the person who made it (a team
admin inviting a colleague, a super admin helping a user back in) to pass on
by hand: a team works without email.

The link carries 256 random bits; the database keeps only their SHA-256 (a
stolen table opens nothing). Redeeming is one conditional UPDATE (unused, not
expired, right purpose), so a link works once even when clicked twice at the
same moment. A new reset or invitation link retires the user's older ones of
that purpose (the latest email is the one that works); confirmation links all
stay valid, since any of them only proves the same address.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from b2a.errors import Invalid
from b2a.lib import clock
from b2a.tenants.rules import TokenPurpose
from b2a.tenants.tables import AccountToken

LIFETIME = {
    TokenPurpose.RESET: timedelta(hours=1),
    TokenPurpose.INVITE: timedelta(days=7),
    TokenPurpose.VERIFY: timedelta(hours=48),
}
RETIRE_OLDER = frozenset({TokenPurpose.RESET, TokenPurpose.INVITE})
PATH = {
    TokenPurpose.RESET: "/reset-password",
    TokenPurpose.INVITE: "/accept-invite",
    TokenPurpose.VERIFY: "/verify-email",
}


@dataclass(frozen=True)
class IssuedLink:
    """A link just made: the only moment its token can be seen."""

    url: str
    expires_at: datetime
    valid_for: str


def lifetime_words(lifetime: timedelta) -> str:
    """How long a link works, as people say it ("1 hour", "24 hours", "7 days")."""
    hours = int(lifetime.total_seconds() // 3600)
    if hours % 24 == 0 and hours >= 48:
        return f"{hours // 24} days"
    return "1 hour" if hours == 1 else f"{hours} hours"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_link_token(user_id: UUID, purpose: TokenPurpose) -> str:
    """A fresh token for ``user_id`` (older reset or invitation links stop working)."""
    return await _new_token(user_id, purpose, clock.now() + LIFETIME[purpose])


async def issue_link(
    base_url: str, user_id: UUID, purpose: TokenPurpose, *, lifetime: timedelta | None = None
) -> IssuedLink:
    """A fresh link to show or send (older reset or invitation links stop working)."""
    lifetime = lifetime or LIFETIME[purpose]
    expires_at = clock.now() + lifetime
    token = await _new_token(user_id, purpose, expires_at)
    return IssuedLink(link_url(base_url, purpose, token), expires_at, lifetime_words(lifetime))


async def _new_token(user_id: UUID, purpose: TokenPurpose, expires_at: datetime) -> str:
    if purpose in RETIRE_OLDER:
        await retire_link_tokens(user_id, purpose)
    token = secrets.token_urlsafe(32)
    await AccountToken(
        user=user_id, purpose=purpose, token_hash=_hash(token), expires_at=expires_at
    ).save()
    return token


async def retire_link_tokens(user_id: UUID, purpose: TokenPurpose) -> None:
    """Make every unused link of ``purpose`` for ``user_id`` stop working."""
    await AccountToken.update({AccountToken.used_at: clock.now()}).where(
        (AccountToken.user == user_id)
        & (AccountToken.purpose == purpose)
        & AccountToken.used_at.is_null()
    )


def link_url(base_url: str, purpose: TokenPurpose, token: str) -> str:
    """The address a person opens to use the token."""
    return f"{base_url.rstrip('/')}{PATH[purpose]}?token={token}"


async def redeem_link_token(token: str, purpose: TokenPurpose) -> UUID:
    """Use a token once; the id of the user it was issued to.

    Raises:
        Invalid: unknown, already used, expired or for another purpose (code ``LINK_INVALID``).
    """
    now = clock.now()
    rows = (
        await AccountToken.update({AccountToken.used_at: now})
        .where(
            (AccountToken.token_hash == _hash(token))
            & (AccountToken.purpose == purpose)
            & AccountToken.used_at.is_null()
            & (AccountToken.expires_at > now)
        )
        .returning(AccountToken.user)
    )
    if not rows:
        raise Invalid(
            "this link has expired or has already been used; ask for a new one.",
            code="LINK_INVALID",
        )
    return UUID(str(rows[0]["user"]))


async def link_user(token: str, purpose: TokenPurpose) -> UUID | None:
    """The user a live token belongs to, without using it (None: unknown, used or expired)."""
    row = (
        await AccountToken.select(AccountToken.user)
        .where(
            (AccountToken.token_hash == _hash(token))
            & (AccountToken.purpose == purpose)
            & AccountToken.used_at.is_null()
            & (AccountToken.expires_at > clock.now())
        )
        .first()
    )
    return UUID(str(row["user"])) if row else None


async def link_is_live(token: str, purpose: TokenPurpose) -> bool:
    """Whether the token would redeem now (to show its form, or say it expired, up front)."""
    return bool(
        await AccountToken.exists().where(
            (AccountToken.token_hash == _hash(token))
            & (AccountToken.purpose == purpose)
            & AccountToken.used_at.is_null()
            & (AccountToken.expires_at > clock.now())
        )
    )
