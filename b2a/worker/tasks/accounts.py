"""The jobs that answer sign-up and password-reset requests out of the web request.

The web request only checks the form and queues one of these, the same for
every address; looking the address up and choosing the email happen here, so
the answer a visitor sees, and how long it takes, say nothing about which
addresses have accounts.
"""

from __future__ import annotations

from typing import Any

from b2a.tenants import recovery, signup


async def answer_sign_up(
    ctx: dict[str, Any],
    *,
    email: str,
    business: str,
    time_zone: str,
    currency: str,
    ip: str,
    base_url: str,
) -> dict[str, Any]:
    """Email a link to finish signing up, or tell an existing account that someone tried."""
    pending = signup.PendingSignUp(email, business, time_zone, currency)
    new = await signup.answer_sign_up(ctx["redis"], ctx["settings"], base_url, pending, ip=ip)
    return {"new": new}


async def answer_reset_request(
    ctx: dict[str, Any], *, email: str, ip: str, base_url: str
) -> dict[str, Any]:
    """Email a reset link if the address has an active account; nothing otherwise."""
    sent = await recovery.answer_reset_request(ctx["settings"], base_url, email, ip=ip)
    return {"sent": sent}
