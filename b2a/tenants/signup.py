"""Self-service sign-up: a new business on the free plan with its first TENANT_ADMIN.

Open only while the super admin allows it (``AccountPolicy.signup_enabled``)
and email can go out: the address is proved before anything is created, and
the answer to the form is the same whether or not the address has an account.

1. ``request_sign_up`` (the web request) checks the form, counts the IP
   against the login limit and queues ``answer_sign_up``: it never looks the
   address up, so neither its answer nor its timing says whether one exists.
2. ``answer_sign_up`` (the worker's job) emails a new address a link to finish
   (the request is kept in Redis under the link's SHA-256 for
   ``PENDING_LIFETIME``), and an address that already has an account a note
   that someone tried to sign up with it (sign in, or reset the password).
3. ``finish_sign_up`` (the link's form) takes the password, then creates the
   business and its admin, address confirmed, and logs them in.

The password is chosen on the link's page, not the first form: whoever holds
the mailbox sets it, so nobody can prepare an account for someone else's
address with a password they know, and a mail scanner that opens the link
creates nothing.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from b2a.audit import service as audit
from b2a.errors import Conflict, Forbidden, Invalid
from b2a.lib import clock, queue
from b2a.lib.redis import PREFIX
from b2a.settings import Settings
from b2a.system.email import email_ready, queue_email
from b2a.system.platform import account_policy
from b2a.tenants.actor import Actor
from b2a.tenants.links import lifetime_words
from b2a.tenants.locale import business_locale
from b2a.tenants.login import check_ip_limit
from b2a.tenants.passwords import check_strength
from b2a.tenants.rules import Role
from b2a.tenants.service import business_name, find_account, normalise_email, open_tenant
from b2a.tenants.tables import User

ANSWER_JOB = "answer_sign_up"
PENDING_LIFETIME = timedelta(hours=48)
FINISH_PATH = "/signup/finish"
LINK_INVALID = "this sign-up link has expired or has already been used; sign up again."

NEW_SUBJECT = "Finish creating {business} on b2a"
NEW_BODY = (
    "Someone (we hope you) asked to create the business {business} on b2a with {email}.\n\n"
    "Open this link within {lifetime} to choose your password and open your business:\n"
    "{url}\n\n"
    "If it was not you, ignore this email: nothing is created until the link is used."
)
EXISTING_SUBJECT = "Someone tried to sign up on b2a with your address"
EXISTING_BODY = (
    "Someone (perhaps you) asked to create the business {business} on b2a with {email}, "
    "but this address already has an account, so nothing was created.\n\n"
    "If it was you, sign in with your password at {login_url}\n"
    "Forgotten it? Ask for a new one at {reset_url}\n\n"
    "If it was not you, ignore this email: your account is unchanged."
)


@dataclass(frozen=True)
class PendingSignUp:
    """A sign-up waiting for its link: what the first form said."""

    email: str
    business: str
    time_zone: str
    currency: str


def _key(token: str) -> str:
    return f"{PREFIX}signup:{hashlib.sha256(token.encode()).hexdigest()}"


async def sign_up_offered(settings: Settings) -> bool:
    """Whether visitors may sign up: the super admin allows it and email can go out."""
    return (await account_policy()).signup_enabled and await email_ready(settings)


async def _refuse_unless_offered(settings: Settings) -> None:
    if not await sign_up_offered(settings):
        raise Forbidden(
            "sign-up is closed on this appliance; ask its operator for an account.",
            code="SIGNUP_DISABLED",
        )


async def request_sign_up(
    redis: Any,
    settings: Settings,
    base_url: str,
    *,
    business: str,
    email: str,
    ip: str,
    time_zone: str = "UTC",
    currency: str = "",
) -> None:
    """Check the form and queue its answer by email; the same for every address.

    Raises:
        LimitExceeded: the IP made too many requests.
        Forbidden: sign-up is turned off, or email cannot go out (``SIGNUP_DISABLED``).
        Invalid: bad name, email, time zone or currency.
    """
    address = normalise_email(email)
    await check_ip_limit(redis, ip, settings.auth.per_ip_limit, address=address)
    await _refuse_unless_offered(settings)
    name = business_name(business, field="business")
    zone, money = business_locale(time_zone, currency)
    await queue.enqueue(
        ANSWER_JOB,
        key=f"signup:{uuid.uuid4()}",
        timeout=60,
        email=address,
        business=name,
        time_zone=zone,
        currency=money,
        ip=ip,
        base_url=base_url,
    )


async def answer_sign_up(
    redis: Any, settings: Settings, base_url: str, pending: PendingSignUp, *, ip: str
) -> bool:
    """Email the link to finish, or tell an existing account someone tried; True for a new one.

    Raises:
        Unavailable: email is not set up.
    """
    values = {"business": pending.business, "email": pending.email}
    account = await find_account(pending.email)
    if account is not None:
        base = base_url.rstrip("/")
        text = EXISTING_BODY.format(
            **values, login_url=f"{base}/login", reset_url=f"{base}/forgot-password"
        )
        subject = EXISTING_SUBJECT
        await audit.record_visitor(
            "signup.existing_address", ip=ip, label=pending.email, tenant_id=account.tenant
        )
    else:
        token = secrets.token_urlsafe(32)
        lifetime = int(PENDING_LIFETIME.total_seconds())
        await redis.set(_key(token), json.dumps(asdict(pending)), ex=lifetime)
        url = f"{base_url.rstrip('/')}{FINISH_PATH}?token={token}"
        text = NEW_BODY.format(**values, url=url, lifetime=lifetime_words(PENDING_LIFETIME))
        subject = NEW_SUBJECT.format(**values)
        await audit.record_visitor("signup.requested", ip=ip, label=pending.email)
    await queue_email(settings, to=pending.email, subject=subject, text=text)
    return account is None


async def pending_sign_up(redis: Any, token: str) -> PendingSignUp | None:
    """The sign-up a live link finishes (None: unknown, used or expired)."""
    raw = await redis.get(_key(token)) if token else None
    return PendingSignUp(**json.loads(raw)) if raw else None


async def finish_sign_up(redis: Any, token: str, password: str, *, ip: str) -> Actor:
    """Create the business and its admin from a sign-up link; who to log in.

    Raises:
        Invalid: weak password, or the link is unknown, used or expired (``LINK_INVALID``).
        Conflict: the address got an account since (``EMAIL_EXISTS``).
    """
    pending = await pending_sign_up(redis, token)
    if pending is None:
        raise Invalid(LINK_INVALID, code="LINK_INVALID")
    check_strength(password, email=pending.email)  # before the link is used up
    if await redis.getdel(_key(token)) is None:  # used once, even when clicked twice at once
        raise Invalid(LINK_INVALID, code="LINK_INVALID")
    try:
        tenant, login = await open_tenant(
            pending.business,
            admin_email=pending.email,
            admin_password=password,
            time_zone=pending.time_zone,
            currency=pending.currency,
        )
    except Conflict:
        raise Conflict(
            f"{pending.email} already has an account: log in, or reset its password.",
            code="EMAIL_EXISTS",
        ) from None
    # The link reached the mailbox: the address is confirmed.
    await User.update({User.email_verified_at: clock.now()}).where(User.id == login.user_id)
    actor = Actor(login.user_id, Role.TENANT_ADMIN, tenant.id, pending.email, ip)
    await audit.record(
        actor,
        "tenant.signed_up",
        name=tenant.name,
        time_zone=tenant.time_zone,
        currency=tenant.currency,
    )
    return actor
