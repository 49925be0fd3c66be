"""Logging in with an email and a password, with lockout, an IP limit and an audit trail.

Every failure is audit-logged with the IP and the reason. Unknown addresses
cost the same password check as known ones and count towards the same
lockout, so neither the timing nor the lockout tells which addresses exist.
"""

from __future__ import annotations

from typing import Any

from b2a.audit import service as audit
from b2a.errors import Forbidden, Invalid, LimitExceeded, Unauthorized
from b2a.lib import clock, ratelimit
from b2a.system.platform import account_policy
from b2a.tenants import lockout
from b2a.tenants.actor import Actor
from b2a.tenants.passwords import verify_against_nothing, verify_password
from b2a.tenants.rules import Role, TenantStatus
from b2a.tenants.service import find_account, normalise_email
from b2a.tenants.tables import Tenant, User

IP_WINDOW_SECONDS = 15 * 60
WRONG = "wrong email or password."


async def check_ip_limit(redis: Any, ip: str, per_ip_limit: int, *, address: str = "") -> None:
    """Count one login, sign-up or reset request from ``ip``.

    Raises:
        LimitExceeded: the IP made too many such requests in 15 minutes (``TOO_MANY_ATTEMPTS``).
    """
    key = ratelimit.limit_key("auth-ip", ip or "unknown")
    wait = await ratelimit.reserve(redis, key, limit=per_ip_limit, window=IP_WINDOW_SECONDS)
    if wait > 0:
        await audit.record_visitor("login.failed", ip=ip, label=address, reason="ip_limited")
        minutes = max(1, round(wait / 60))
        raise LimitExceeded(
            f"too many attempts from your network; try again in {minutes} minutes.",
            code="TOO_MANY_ATTEMPTS",
        )


async def _password_matches(user: User | None, password: str) -> bool:
    if user is None:
        # Spend the same time on unknown addresses as on known ones.
        await verify_against_nothing(password)
        return False
    return await verify_password(user.password_hash, password)


async def _fail(redis: Any, address: str, ip: str, reason: str, user: User | None) -> None:
    tenant_id = user.tenant if user else None
    await audit.record_visitor(
        "login.failed", ip=ip, label=address, tenant_id=tenant_id, reason=reason
    )
    if await lockout.record_failure(redis, address):
        await audit.record_visitor("login.locked", ip=ip, label=address, tenant_id=tenant_id)


async def _refuse_locked(address: str, ip: str, until: Any) -> None:
    await audit.record_visitor("login.failed", ip=ip, label=address, reason="locked")
    minutes = max(1, round((until - clock.now()).total_seconds() / 60))
    raise LimitExceeded(
        f"this account is locked after 5 failed logins; try again in {minutes} minutes "
        "or reset your password.",
        code="ACCOUNT_LOCKED",
    )


async def log_in(redis: Any, email: str, password: str, *, ip: str, per_ip_limit: int) -> Actor:
    """The actor behind a correct email and password.

    Raises:
        LimitExceeded: the IP is over its limit, or the account is locked.
        Unauthorized: wrong email or password (never says which).
        Forbidden: the account is deactivated, its business suspended, or its
            address unconfirmed while the platform requires it (``EMAIL_NOT_VERIFIED``).
    """
    address = email.strip().lower()
    await check_ip_limit(redis, ip, per_ip_limit, address=address)
    until = await lockout.locked_until(redis, address)
    if until is not None:
        await _refuse_locked(address, ip, until)
    try:
        user = await find_account(normalise_email(address))
    except Invalid:
        user = None
    matches = await _password_matches(user, password)
    if user is None or not matches:
        await _fail(redis, address, ip, "unknown_email" if user is None else "wrong_password", user)
        raise Unauthorized(WRONG, code="LOGIN_FAILED")
    await _check_standing(user, address, ip)
    await lockout.clear_failures(redis, address)
    user.last_login_at = clock.now()
    await user.save([User.last_login_at])
    actor = Actor(user.id, Role(user.role), user.tenant, user.email, ip)
    await audit.record(actor, "login.succeeded")
    return actor


async def _check_standing(user: User, address: str, ip: str) -> None:
    """Refuse a correct password whose account may not sign in now."""
    reason, message, code = "", "", "FORBIDDEN"
    if not user.is_active:
        reason, message = "inactive", "this account is deactivated; ask your team's admin."
    elif user.tenant is not None and not await _tenant_active(user.tenant):
        reason, message = "tenant_suspended", "this business is suspended; contact the operator."
    elif (
        user.role != Role.SUPER_ADMIN
        and user.email_verified_at is None
        and (await account_policy()).email_verification_required
    ):
        reason, code = "unverified", "EMAIL_NOT_VERIFIED"
        message = "confirm your email address first: we sent you a link."
    if reason:
        await audit.record_visitor(
            "login.failed", ip=ip, label=address, tenant_id=user.tenant, reason=reason
        )
        raise Forbidden(message, code=code)


async def _tenant_active(tenant_id: Any) -> bool:
    status = await Tenant.select(Tenant.status).where(Tenant.id == tenant_id).first()
    return bool(status and status["status"] == TenantStatus.ACTIVE)
