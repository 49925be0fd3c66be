"""Links by email: forgotten passwords, accepted invitations, confirmed addresses.

Asking for a reset link says the same whether or not the address has an
account. Using a reset or invitation link sets the password, confirms the
address (the link reached its inbox), lifts a lockout and ends every web
session the user had.
"""

from __future__ import annotations

from typing import Any

from b2a.audit import service as audit
from b2a.errors import Forbidden, Invalid, Unauthorized
from b2a.lib import clock
from b2a.settings import Settings
from b2a.system.email import configured_server
from b2a.system.platform import account_policy
from b2a.tenants import lockout
from b2a.tenants.actor import Actor
from b2a.tenants.emails import send_link
from b2a.tenants.links import redeem_link_token
from b2a.tenants.login import check_ip_limit
from b2a.tenants.passwords import check_strength, hash_password, verify_password
from b2a.tenants.rules import Role, TokenPurpose
from b2a.tenants.service import normalise_email
from b2a.tenants.sessions import close_user_sessions
from b2a.tenants.tables import Tenant, User


async def _reset_allowed() -> None:
    if not (await account_policy()).password_reset_enabled:
        raise Forbidden(
            "password reset by email is turned off here; ask your team's admin or the operator.",
            code="RESET_DISABLED",
        )


async def request_password_reset(
    redis: Any, settings: Settings, base_url: str, email: str, *, ip: str
) -> None:
    """Email a reset link if the address has an active account; silent otherwise.

    Raises:
        LimitExceeded: the IP made too many requests.
        Forbidden: password reset is turned off (``RESET_DISABLED``).
        Unavailable: email is not set up.
        Invalid: the address is not an email address.
    """
    address = normalise_email(email)
    await check_ip_limit(redis, ip, settings.auth.per_ip_limit, address=address)
    await _reset_allowed()
    await configured_server(settings)
    user = await User.objects().where(User.email == address).first()
    if user is None or not user.is_active:
        await audit.record_visitor("password_reset.unknown", ip=ip, label=address)
        return
    await send_link(settings, base_url, user, TokenPurpose.RESET)
    await audit.record_visitor(
        "password_reset.requested", ip=ip, label=address, tenant_id=user.tenant
    )


async def _set_password_by_link(
    redis: Any, token: str, purpose: TokenPurpose, password: str, *, name: str | None = None
) -> User:
    check_strength(password)  # before redeeming, so a weak choice does not use up the link
    user_id = await redeem_link_token(token, purpose)
    user = await User.objects().where(User.id == user_id).first()
    if user is None or not user.is_active:
        raise Invalid("this link belongs to an account that no longer exists.", code="LINK_INVALID")
    user.password_hash = await hash_password(password)
    user.email_verified_at = user.email_verified_at or clock.now()
    columns = [User.password_hash, User.email_verified_at]
    if name is not None and name.strip():
        user.name = name.strip()[:120]
        columns.append(User.name)
    await user.save(columns)
    await close_user_sessions(redis, user.id)
    await lockout.unlock(redis, user.email)
    return user


def _actor(user: User, ip: str) -> Actor:
    return Actor(user.id, Role(user.role), user.tenant, user.email, ip)


async def reset_password_with_link(redis: Any, token: str, password: str, *, ip: str) -> Actor:
    """Set a new password from a reset link; every session of the user ends.

    Raises:
        Forbidden: password reset is turned off.
        Invalid: weak password, or the link is unknown, used or expired (``LINK_INVALID``).
    """
    await _reset_allowed()
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
    user = await User.objects().where(User.email == email.strip().lower()).first()
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
    check_strength(new)
    user.password_hash = await hash_password(new)
    await user.save([User.password_hash])
    await close_user_sessions(redis, user.id)
    await audit.record(actor, "user.password_changed")
