"""The job that sends account emails (password reset, invitations, address checks)."""

from __future__ import annotations

import logging
from typing import Any

from b2a.errors import TransportError
from b2a.system.email import deliver_email

log = logging.getLogger("b2a.worker")


async def send_email(ctx: dict[str, Any], *, to: str, subject: str, text: str) -> dict[str, Any]:
    """Send one email; transient SMTP failures raise so SAQ retries, permanent ones stop."""
    try:
        await deliver_email(ctx["settings"], to=to, subject=subject, text=text)
    except TransportError as exc:
        if not exc.permanent:
            raise
        log.warning("email %r not sent: %s", subject, exc.message)
        return {"sent": False, "code": exc.code}
    return {"sent": True}
