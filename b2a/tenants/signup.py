"""Self-service sign-up: a new business on the free plan with its first TENANT_ADMIN.

Open only while the super admin allows it (``AccountPolicy.signup_enabled``);
counted against the same per-IP limit as logins. When the platform requires
confirmed addresses, the new admin gets a link and signs in after using it.
"""

from __future__ import annotations

from typing import Any

from b2a.audit import service as audit
from b2a.billing.tables import Plan
from b2a.errors import Forbidden
from b2a.settings import Settings
from b2a.system.email import configured_server
from b2a.system.platform import account_policy
from b2a.tenants.actor import Actor
from b2a.tenants.emails import send_link
from b2a.tenants.login import check_ip_limit
from b2a.tenants.rules import Role, TokenPurpose
from b2a.tenants.service import normalise_email, open_tenant
from b2a.tenants.tables import Tenant, User


async def _join_free_plan(tenant: Tenant) -> None:
    """Put the tenant on the free plan (its AI tier and limits), when one is set up."""
    plan = (
        await Plan.objects()
        .where((Plan.is_free == True) & (Plan.is_active == True))  # noqa: E712 (SQL)
        .order_by(Plan.display_order)
        .first()
    )
    if plan is None:
        return  # the tenant keeps the built-in free defaults (FREE tier, 50/day, 1000/month)
    await Tenant.update(
        {
            Tenant.plan: plan.id,
            Tenant.ai_tier: plan.ai_tier,
            Tenant.ai_daily_limit: plan.ai_daily_limit,
            Tenant.ai_monthly_limit: plan.ai_monthly_limit,
        }
    ).where(Tenant.id == tenant.id)


async def sign_up(
    redis: Any,
    settings: Settings,
    base_url: str,
    *,
    business: str,
    email: str,
    password: str,
    ip: str,
) -> Actor | None:
    """Create the business and its admin; who to log in (None until the address is confirmed).

    Raises:
        LimitExceeded: the IP made too many requests.
        Forbidden: sign-up is turned off (``SIGNUP_DISABLED``).
        Invalid: bad name, email or password.
        Conflict: the email already has an account (``EMAIL_EXISTS``).
        Unavailable: confirmation is required but email is not set up.
    """
    address = normalise_email(email)
    await check_ip_limit(redis, ip, settings.auth.per_ip_limit, address=address)
    policy = await account_policy()
    if not policy.signup_enabled:
        raise Forbidden(
            "sign-up is closed on this appliance; ask its operator for an account.",
            code="SIGNUP_DISABLED",
        )
    if policy.email_verification_required:
        await configured_server(settings)
    tenant, login = await open_tenant(business, admin_email=address, admin_password=password)
    await _join_free_plan(tenant)
    actor = Actor(login.user_id, Role.TENANT_ADMIN, tenant.id, address, ip)
    await audit.record(actor, "tenant.signed_up", name=tenant.name)
    if not policy.email_verification_required:
        return actor
    user = await User.objects().where(User.id == login.user_id).first()
    if user is not None:
        await send_link(settings, base_url, user, TokenPurpose.VERIFY, tenant=tenant.name)
    return None
