"""Self-service sign-up: a new business on the free plan with its first TENANT_ADMIN.

Open only while the super admin allows it (``AccountPolicy.signup_enabled``);
counted against the same per-IP limit as logins. When the platform requires
confirmed addresses, the new admin gets a link and signs in after using it.
"""

from __future__ import annotations

from typing import Any

from b2a.audit import service as audit
from b2a.errors import Forbidden
from b2a.settings import Settings
from b2a.system.email import configured_server
from b2a.system.platform import account_policy
from b2a.tenants.actor import Actor
from b2a.tenants.emails import send_link
from b2a.tenants.login import check_ip_limit
from b2a.tenants.rules import Role, TokenPurpose
from b2a.tenants.service import normalise_email, open_tenant
from b2a.tenants.tables import User


async def sign_up(
    redis: Any,
    settings: Settings,
    base_url: str,
    *,
    business: str,
    email: str,
    password: str,
    ip: str,
    time_zone: str = "UTC",
    currency: str = "",
) -> Actor | None:
    """Create the business and its admin; who to log in (None until the address is confirmed).

    The business keeps its time zone and currency (empty: the zone's country's)
    from the first day: its prices, opening hours and every time it reads.

    Raises:
        LimitExceeded: the IP made too many requests.
        Forbidden: sign-up is turned off (``SIGNUP_DISABLED``).
        Invalid: bad name, email, password, time zone or currency.
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
    tenant, login = await open_tenant(
        business,
        admin_email=address,
        admin_password=password,
        time_zone=time_zone,
        currency=currency,
    )
    actor = Actor(login.user_id, Role.TENANT_ADMIN, tenant.id, address, ip)
    await audit.record(
        actor,
        "tenant.signed_up",
        name=tenant.name,
        time_zone=tenant.time_zone,
        currency=tenant.currency,
    )
    if not policy.email_verification_required:
        return actor
    user = await User.objects().where(User.id == login.user_id).first()
    if user is not None:
        await send_link(settings, base_url, user, TokenPurpose.VERIFY, tenant=tenant.name)
    return None
