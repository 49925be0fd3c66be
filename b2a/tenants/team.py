"""A tenant admin's team: members, invitations, roles, removals.

Only the two tenant roles can be given (``rules.TENANT_ROLES``): nobody here
can make a super admin. A business always keeps at least one active admin;
the check and the change run in one transaction behind a lock on the tenant's
row, so two admins demoting each other at once cannot both succeed. A removed
member's web sessions end at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from b2a.audit import service as audit
from b2a.db.transaction import atomic, lock_row
from b2a.errors import Conflict, Forbidden
from b2a.settings import Settings
from b2a.system.email import configured_server
from b2a.tenants.actor import Actor
from b2a.tenants.emails import send_link
from b2a.tenants.rules import TENANT_ROLES, Area, Role, TokenPurpose
from b2a.tenants.service import normalise_email, save_user
from b2a.tenants.sessions import close_user_sessions
from b2a.tenants.tables import Tenant, User

# Not an argon2 hash, so no password matches it until the invitation is used.
NO_PASSWORD = "!invited"


@dataclass(frozen=True)
class Member:
    """A member as the team page shows them."""

    id: UUID
    email: str
    name: str
    role: Role
    invited: bool
    last_login_at: datetime | None


def _member(user: User) -> Member:
    return Member(
        user.id,
        user.email,
        user.name,
        Role(user.role),
        user.password_hash == NO_PASSWORD,
        user.last_login_at,
    )


def _tenant_role(role: Role | str) -> Role:
    if role not in TENANT_ROLES:
        raise Forbidden("a member can be a TENANT_ADMIN or STAFF, nothing else.")
    return Role(role)


async def list_members(actor: Actor) -> list[Member]:
    """Everyone in the actor's tenant, by email.

    Raises:
        Forbidden: the actor may not manage the team.
    """
    actor.require_area(Area.TEAM)
    users = await actor.scope.objects(User).order_by(User.email)
    return [_member(user) for user in users]


async def invite_member(
    actor: Actor, settings: Settings, base_url: str, *, email: str, role: Role | str, name: str = ""
) -> Member:
    """Add a member without a password and email them a link to set one.

    Raises:
        Forbidden: the actor may not manage the team, or the role is not a tenant role.
        Invalid: the address is not an email address.
        Conflict: the address already has an account (``EMAIL_EXISTS``).
        Unavailable: email is not set up.
    """
    actor.require_area(Area.TEAM)
    granted = _tenant_role(role)
    address = normalise_email(email)
    await configured_server(settings)
    user = await save_user(actor.scope.tenant_id, address, NO_PASSWORD, granted, name.strip()[:120])
    await _send_invitation(actor, settings, base_url, user)
    await audit.record(actor, "user.invited", email=address, role=granted.value)
    return _member(user)


async def _send_invitation(actor: Actor, settings: Settings, base_url: str, user: User) -> None:
    tenant = await Tenant.select(Tenant.name).where(Tenant.id == actor.scope.tenant_id).first()
    await send_link(
        settings,
        base_url,
        user,
        TokenPurpose.INVITE,
        tenant=tenant["name"] if tenant else "",
        inviter=actor.label,
    )


async def resend_invitation(
    actor: Actor, settings: Settings, base_url: str, member_id: UUID | str
) -> Member:
    """Email a pending member a fresh invitation link (the old one stops working).

    Raises:
        Forbidden: the actor may not manage the team.
        NotFound: no such member in the actor's tenant.
        Conflict: the member has already set a password.
    """
    actor.require_area(Area.TEAM)
    user = await actor.scope.get(User, member_id)
    if user.password_hash != NO_PASSWORD:
        raise Conflict(f"{user.email} has already joined.", code="ALREADY_JOINED")
    await _send_invitation(actor, settings, base_url, user)
    await audit.record(actor, "user.invite_resent", email=user.email)
    return _member(user)


async def _other_admins(actor: Actor, member_id: UUID) -> int:
    return int(
        await actor.scope.count(User).where(
            (User.role == Role.TENANT_ADMIN) & (User.is_active == True) & (User.id != member_id)  # noqa: E712
        )
    )


async def change_role(actor: Actor, member_id: UUID | str, role: Role | str) -> Member:
    """Make a member TENANT_ADMIN or STAFF.

    Raises:
        Forbidden: the actor may not manage the team, or the role is not a tenant role.
        NotFound: no such member in the actor's tenant.
        Conflict: it would leave the business without an admin (``LAST_ADMIN``).
    """
    actor.require_area(Area.TEAM)
    granted = _tenant_role(role)
    async with atomic():
        await lock_row(Tenant, actor.scope.tenant_id)
        user = await actor.scope.get(User, member_id)
        previous = Role(user.role)
        if previous is Role.TENANT_ADMIN and granted is Role.STAFF:
            await _keep_an_admin(actor, user.id)
        user.role = granted
        await user.save([User.role])
    if previous is not granted:
        await audit.record(
            actor, "user.role_changed", email=user.email, before=previous.value, after=granted.value
        )
    return _member(user)


async def _keep_an_admin(actor: Actor, leaving: UUID) -> None:
    if not await _other_admins(actor, leaving):
        raise Conflict(
            "a business needs at least one admin: make someone else admin first.",
            code="LAST_ADMIN",
        )


async def remove_member(actor: Actor, redis: Any, member_id: UUID | str) -> None:
    """Delete a member's account; their sessions and API tokens stop working at once.

    Raises:
        Forbidden: the actor may not manage the team.
        NotFound: no such member in the actor's tenant.
        Conflict: it would leave the business without an admin (``LAST_ADMIN``).
    """
    actor.require_area(Area.TEAM)
    async with atomic():
        await lock_row(Tenant, actor.scope.tenant_id)
        user = await actor.scope.get(User, member_id)
        if user.role == Role.TENANT_ADMIN:
            await _keep_an_admin(actor, user.id)
        await actor.scope.delete(User).where(User.id == user.id)
    await close_user_sessions(redis, user.id)
    await audit.record(actor, "user.removed", email=user.email, role=user.role)
