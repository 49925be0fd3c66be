"""A tenant admin's team: members, invitations, roles, removals.

An invitation is a member without a password and a one-time link to set one.
The link is shown to the inviter to copy (email is optional on a fresh
install) and emailed too when SMTP is set up; only its hash is stored.

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
from b2a.db.integrity import save_unique
from b2a.db.transaction import atomic, lock_row
from b2a.errors import Conflict, Forbidden
from b2a.settings import Settings
from b2a.system.email import email_ready
from b2a.tenants.actor import Actor
from b2a.tenants.emails import INVITE_ELSEWHERE, email_link
from b2a.tenants.links import IssuedLink, issue_link
from b2a.tenants.rules import NO_PASSWORD, TENANT_ROLES, Area, Role, TokenPurpose
from b2a.tenants.service import find_account, normalise_email
from b2a.tenants.sessions import close_user_sessions
from b2a.tenants.tables import Tenant, User


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


@dataclass(frozen=True)
class Invitation:
    """An invitation just made: its link is shown this once, and emailed too when it can be."""

    member: Member
    link: IssuedLink
    emailed: bool


async def invite_member(
    actor: Actor, settings: Settings, base_url: str, *, email: str, role: Role | str, name: str = ""
) -> Invitation:
    """Add a member without a password, with a one-time link to set one.

    The link is returned for the inviter to pass on (a fresh install has no
    email), and emailed as well when an SMTP server is set up. An address that
    has an account elsewhere (another business, the operator) is invited like
    any other: the inviter learns nothing about it, and the link can never
    take that account over (``recovery.accept_invite`` refuses it).

    Raises:
        Forbidden: the actor may not manage the team, or the role is not a tenant role.
        Invalid: the address is not an email address.
        Conflict: the address is already in this team (``EMAIL_EXISTS``).
    """
    actor.require_area(Area.TEAM)
    granted = _tenant_role(role)
    address = normalise_email(email)
    in_team = Conflict(f"{address} is already in your team.", code="EMAIL_EXISTS")
    if await actor.scope.exists(User).where(User.email == address):
        raise in_team
    user = User(
        tenant=actor.scope.tenant_id,
        email=address,
        name=name.strip()[:120],
        role=granted,
        password_hash=NO_PASSWORD,
    )
    await save_unique(user, in_team)
    invitation = await _new_invitation(actor, settings, base_url, user)
    await audit.record(
        actor, "user.invited", email=address, role=granted.value, emailed=invitation.emailed
    )
    return invitation


async def _new_invitation(
    actor: Actor, settings: Settings, base_url: str, user: User
) -> Invitation:
    link = await issue_link(base_url, user.id, TokenPurpose.INVITE)
    emailed = await email_ready(settings)
    if emailed:
        tenant = await Tenant.select(Tenant.name).where(Tenant.id == actor.scope.tenant_id).first()
        # Only the address's owner reads which email went: the inviter sees the same either way.
        elsewhere = await find_account(user.email) is not None
        purpose = INVITE_ELSEWHERE if elsewhere else TokenPurpose.INVITE
        await email_link(
            settings,
            user,
            purpose,
            link.url,
            tenant=tenant["name"] if tenant else "",
            inviter=actor.label,
        )
    return Invitation(_member(user), link, emailed)


async def _pending(actor: Actor, member_id: UUID | str) -> User:
    user = await actor.scope.get(User, member_id)
    if user.password_hash != NO_PASSWORD:
        raise Conflict(f"{user.email} has already joined.", code="ALREADY_JOINED")
    return user


async def renew_invitation(
    actor: Actor, settings: Settings, base_url: str, member_id: UUID | str
) -> Invitation:
    """A fresh invitation link for a pending member; the old one stops working.

    Raises:
        Forbidden: the actor may not manage the team.
        NotFound: no such member in the actor's tenant.
        Conflict: the member has already set a password (``ALREADY_JOINED``).
    """
    actor.require_area(Area.TEAM)
    user = await _pending(actor, member_id)
    invitation = await _new_invitation(actor, settings, base_url, user)
    await audit.record(actor, "user.invite_renewed", email=user.email, emailed=invitation.emailed)
    return invitation


async def revoke_invitation(actor: Actor, member_id: UUID | str) -> Member:
    """Withdraw a pending invitation: the account and its links are deleted.

    Raises:
        Forbidden: the actor may not manage the team.
        NotFound: no such member in the actor's tenant.
        Conflict: the member has already set a password (``ALREADY_JOINED``): remove them instead.
    """
    actor.require_area(Area.TEAM)
    user = await _pending(actor, member_id)
    await actor.scope.delete(User).where(User.id == user.id)
    await audit.record(actor, "user.invite_revoked", email=user.email)
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
