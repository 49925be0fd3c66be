"""The account emails: what each link email says, and handing it to the worker."""

from __future__ import annotations

from b2a.settings import Settings
from b2a.system.email import configured_server, queue_email
from b2a.tenants.links import LIFETIME, issue_link_token, lifetime_words, link_url
from b2a.tenants.rules import TokenPurpose
from b2a.tenants.tables import User

# An invitation to an address that already has an account (another business, the operator):
# its owner is told why it cannot be used, and gets no link.
INVITE_ELSEWHERE = "INVITE_ELSEWHERE"
SUBJECTS: dict[str, str] = {
    TokenPurpose.RESET: "Reset your b2a password",
    TokenPurpose.INVITE: "You are invited to {tenant} on b2a",
    TokenPurpose.VERIFY: "Confirm your email address for b2a",
    INVITE_ELSEWHERE: "You are invited to {tenant} on b2a",
}
BODIES: dict[str, str] = {
    TokenPurpose.RESET: (
        "Someone (we hope you) asked to reset the password of {email} on b2a.\n\n"
        "Open this link within {lifetime} to choose a new password:\n{url}\n\n"
        "If it was not you, ignore this email: your password stays as it is."
    ),
    TokenPurpose.INVITE: (
        "{inviter} invited you to work on {tenant} in b2a, the team inbox for its "
        "WhatsApp conversations.\n\n"
        "Open this link within {lifetime} to set your password and sign in:\n{url}\n\n"
        "Your login is {email}. If you did not expect this, ignore this email."
    ),
    TokenPurpose.VERIFY: (
        "Please confirm that {email} is your address.\n\n"
        "Open this link within {lifetime}:\n{url}\n\n"
        "If you did not create a b2a account, ignore this email."
    ),
    INVITE_ELSEWHERE: (
        "{inviter} invited {email} to work on {tenant} in b2a.\n\n"
        "This address already has a b2a account, and an address belongs to one account "
        "only, so the invitation cannot be used with it. To join {tenant}, ask {inviter} to "
        "invite another address of yours.\n\n"
        "Your account is unchanged. If you did not expect this, ignore this email."
    ),
}


async def send_link(
    settings: Settings,
    base_url: str,
    user: User,
    purpose: TokenPurpose,
    *,
    tenant: str = "",
    inviter: str = "",
) -> None:
    """Issue a link of ``purpose`` for ``user`` and queue the email that carries it.

    Raises:
        Unavailable: email is not set up (checked before any link is issued).
    """
    await configured_server(settings)
    token = await issue_link_token(user.id, purpose)
    url = link_url(base_url, purpose, token)
    await email_link(settings, user, purpose, url, tenant=tenant, inviter=inviter)


async def email_link(
    settings: Settings,
    user: User,
    purpose: TokenPurpose | str,
    url: str,
    *,
    tenant: str = "",
    inviter: str = "",
) -> None:
    """Queue the email carrying a link already issued (and shown to whoever asked for it).

    Raises:
        Unavailable: email is not set up.
    """
    values = {
        "email": user.email,
        "url": url,
        "lifetime": lifetime_words(
            LIFETIME[TokenPurpose(purpose) if purpose in LIFETIME else TokenPurpose.INVITE]
        ),
        "tenant": tenant,
        "inviter": inviter or "Your team",
    }
    await queue_email(
        settings,
        to=user.email,
        subject=SUBJECTS[purpose].format(**values),
        text=BODIES[purpose].format(**values),
    )
