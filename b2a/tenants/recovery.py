"""Account links: forgotten passwords, accepted invitations, confirmed addresses.

Reset by email is offered only while the super admin allows it and an SMTP
server is set up; otherwise a person asks their business's admin or the
operator, and a super admin makes a reset link to pass on
(``create_reset_link``). Asking for a reset link by email says the same
whether or not the address has an account. Using a reset or invitation link
sets the password, confirms the address (the link reached its inbox), lifts a
lockout and ends every web session the user had.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from b2a.audit import service as audit
from b2a.db.integrity import is_unique_violation
from b2a.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from b2a.lib import clock, queue
from b2a.settings import Settings
from b2a.system.email import email_ready
from b2a.system.platform import account_policy
from b2a.tenants import lockout
from b2a.tenants.actor import Actor
from b2a.tenants.emails import send_link
from b2a.tenants.links import IssuedLink, issue_link, link_user, redeem_link_token
from b2a.tenants.login import check_ip_limit
from b2a.tenants.passwords import check_strength, hash_password, verify_password
from b2a.tenants.rules import Role, TokenPurpose
from b2a.tenants.service import find_account, normalise_email
from b2a.tenants.sessions import close_user_sessions
from b2a.tenants.tables import Tenant, User

ASK_FOR_A_LINK = "ask your business's admin or the operator for a reset link."
# A link a super admin passes on by hand may wait in a chat for a while; an
# emailed one is used at once.
HANDED_RESET_LIFETIME = timedelta(hours=24)
RESET_JOB = "answer_reset_request"


async def reset_by_email_offered(settings: Settings) -> bool:
    """Whether visitors may ask for a reset link by email: allowed, and email can go out."""
    return (await account_policy()).password_reset_enabled and await email_ready(settings)


async def _reset_offered(settings: Settings) -> None:
    if not await reset_by_email_offered(settings):
        # Visitors see this: it names who can help, never the server's setup.
        raise Forbidden(
            f"password reset by email is not available here; {ASK_FOR_A_LINK}",
            code="RESET_DISABLED",
        )


async def request_password_reset(
    redis: Any, settings: Settings, base_url: str, email: str, *, ip: str
) -> None:
    """Queue the answer to a reset request; the same work whether or not the address has an account.

    The address is looked up, and a link emailed, by the worker's job
    (``answer_reset_request``): this request does the same steps for every
    address, so neither its answer nor its timing tells which ones exist.

    Raises:
        LimitExceeded: the IP made too many requests.
        Forbidden: reset by email is turned off or email is not set up (``RESET_DISABLED``).
        Invalid: the address is not an email address.
    """
    address = normalise_email(email)
    await check_ip_limit(redis, ip, settings.auth.per_ip_limit, address=address)
    await _reset_offered(settings)
    await queue.enqueue(
        RESET_JOB, key=f"reset:{uuid.uuid4()}", timeout=60, email=address, ip=ip, base_url=base_url
    )


async def answer_reset_request(settings: Settings, base_url: str, email: str, *, ip: str) -> bool:
    """Email a reset link if the address has an active account; silent otherwise (the job).

    Raises:
        Unavailable: email is not set up.
    """
    user = await find_account(email)
    if user is None or not user.is_active:
        await audit.record_visitor("password_reset.unknown", ip=ip, label=email)
        return False
    await send_link(settings, base_url, user, TokenPurpose.RESET)
    await audit.record_visitor(
        "password_reset.requested", ip=ip, label=email, tenant_id=user.tenant
    )
    return True


async def create_reset_link(actor: Actor, base_url: str, email: str) -> IssuedLink:
    """A one-time reset link for any user, for a super admin to pass on (older ones stop).

    It works whether or not reset by email is offered, for a day.

    Raises:
        Forbidden: the actor is not a super admin.
        NotFound: no user has this address.
    """
    actor.require()
    user = await find_account(normalise_email(email))
    if user is None:
        raise NotFound(f"no user {email.strip()!r}.")
    link = await issue_link(base_url, user.id, TokenPurpose.RESET, lifetime=HANDED_RESET_LIFETIME)
    await audit.record(actor, "user.reset_link_created", tenant_id=user.tenant, email=user.email)
    return link


async def _link_owner(token: str, purpose: TokenPurpose) -> User:
    user_id = await link_user(token, purpose)
    user = await User.objects().where(User.id == user_id).first() if user_id else None
    if user is None or not user.is_active:
        raise Invalid(
            "this link has expired or has already been used; ask for a new one.",
            code="LINK_INVALID",
        )
    return user


def _taken(email: str) -> Conflict:
    # Only the link's holder reads this, after the inviter's side looked like any invitation.
    return Conflict(
        f"{email} already has a b2a account, and an address belongs to one account only: "
        "log in with it, or ask whoever invited you to invite another address.",
        code="EMAIL_EXISTS",
    )


async def _refuse_joined_elsewhere(user: User) -> None:
    """An invitation never takes over, moves or merges an account the address already has."""
    joined = await find_account(user.email)
    if joined is not None and joined.id != user.id:
        raise _taken(user.email)


async def _set_password_by_link(
    redis: Any, token: str, purpose: TokenPurpose, password: str, *, name: str | None = None
) -> User:
    user = await _link_owner(token, purpose)
    # Judged before the link is used, so a weak choice or a taken address does not use it up.
    check_strength(password, email=user.email)
    if purpose is TokenPurpose.INVITE:
        await _refuse_joined_elsewhere(user)
    await redeem_link_token(token, purpose)
    user.password_hash = await hash_password(password)
    user.email_verified_at = user.email_verified_at or clock.now()
    columns = [User.password_hash, User.email_verified_at]
    if name is not None and name.strip():
        user.name = name.strip()[:120]
        columns.append(User.name)
    try:
        await user.save(columns)
    except Exception as exc:  # the address joined elsewhere between the check and now
        if is_unique_violation(exc):
            raise _taken(user.email) from None
        raise
    await close_user_sessions(redis, user.id)
    await lockout.unlock(redis, user.email)
    return user


def _actor(user: User, ip: str) -> Actor:
    return Actor(user.id, Role(user.role), user.tenant, user.email, ip)


async def reset_password_with_link(redis: Any, token: str, password: str, *, ip: str) -> Actor:
    """Set a new password from a reset link; every session of the user ends.

    The link itself is the permission: one made by a super admin works while
    reset by email is off (links emailed earlier are short-lived).

    Raises:
        Invalid: weak password, or the link is unknown, used or expired (``LINK_INVALID``).
    """
    user = await _set_password_by_link(redis, token, TokenPurpose.RESET, password)
    actor = _actor(user, ip)
    await audit.record(actor, "user.password_reset_by_link")
    return actor


async def accept_invite(redis: Any, token: str, password: str, *, name: str, ip: str) -> Actor:
    """Set the invited member's password (and name) from their invitation link.

    Raises:
        Invalid: weak password, or the link is unknown, used or expired (``LINK_INVALID``).
    """
    user = await _set_password_by_link(redis, token, TokenPurpose.INVITE, password, name=name)
    actor = _actor(user, ip)
    await audit.record(actor, "user.invite_accepted")
    return actor


async def confirm_email(token: str, *, ip: str) -> Actor:
    """Mark the address confirmed from a verification link.

    Raises:
        Invalid: the link is unknown, used or expired (``LINK_INVALID``).
    """
    user_id = await redeem_link_token(token, TokenPurpose.VERIFY)
    await User.update({User.email_verified_at: clock.now()}).where(
        (User.id == user_id) & User.email_verified_at.is_null()
    )
    user = await User.objects().where(User.id == user_id).first()
    if user is None:
        raise Invalid("this link belongs to an account that no longer exists.", code="LINK_INVALID")
    actor = _actor(user, ip)
    await audit.record(actor, "user.email_verified")
    return actor


async def send_verification(settings: Settings, base_url: str, email: str) -> None:
    """Email a fresh confirmation link to an unconfirmed address (nothing for others).

    Raises:
        Unavailable: email is not set up.
    """
    user = await find_account(email.strip().lower())
    if user is None or user.email_verified_at is not None:
        return
    tenant = await Tenant.select(Tenant.name).where(Tenant.id == user.tenant).first()
    await send_link(
        settings, base_url, user, TokenPurpose.VERIFY, tenant=tenant["name"] if tenant else ""
    )


async def change_password(actor: Actor, redis: Any, *, current: str, new: str) -> None:
    """Change the actor's own password; every one of their sessions ends (log in again).

    Raises:
        Unauthorized: the current password is wrong.
        Invalid: the new password is too weak.
    """
    user = await User.objects().where(User.id == actor.user_id).first()
    if user is None or not await verify_password(user.password_hash, current):
        raise Unauthorized(
            "your current password is not right.", code="WRONG_PASSWORD", field="current"
        )
    check_strength(new, email=user.email, field="new")
    user.password_hash = await hash_password(new)
    await user.save([User.password_hash])
    await close_user_sessions(redis, user.id)
    await audit.record(actor, "user.password_changed")
