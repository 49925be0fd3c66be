"""Account emails: queued by the web process, sent over SMTP by the worker.

The job carries the finished message (a reset or invite link is in its text),
so Redis holds the link until the worker has sent it, as it holds session ids;
the database keeps only the link's hash.
"""

from __future__ import annotations

import smtplib
import uuid

from b2a.errors import TransportError, Unavailable
from b2a.lib import queue
from b2a.lib.crypto import SecretBox
from b2a.lib.mail import Mail, Server, send_mail
from b2a.settings import Settings
from b2a.system.platform import EmailServer, email_health, email_server, record_email_health

SEND_EMAIL = "send_email"
NOT_CONFIGURED = (
    "email is not set up: the super admin sets the SMTP server in the admin settings, "
    "or the operator sets B2A_SMTP_HOST and B2A_SMTP_FROM."
)


async def configured_server(settings: Settings) -> EmailServer:
    """The SMTP server in force.

    Raises:
        Unavailable: no SMTP server is configured (code ``EMAIL_NOT_CONFIGURED``).
    """
    server = await email_server(SecretBox(settings.core.encryption_key), settings.smtp)
    if not server.configured:
        raise Unavailable(NOT_CONFIGURED, code="EMAIL_NOT_CONFIGURED")
    return server


async def email_ready(settings: Settings) -> bool:
    """Whether account emails can go out: a server is set and the last delivery did not fail."""
    server = await email_server(SecretBox(settings.core.encryption_key), settings.smtp)
    return server.configured and (await email_health()).ok


async def queue_email(settings: Settings, *, to: str, subject: str, text: str) -> None:
    """Hand one email to the worker; refused at once when email is not set up.

    Raises:
        Unavailable: no SMTP server is configured.
    """
    await configured_server(settings)
    await queue.enqueue(
        SEND_EMAIL, key=f"email:{uuid.uuid4()}", timeout=60, to=to, subject=subject, text=text
    )


async def deliver_email(settings: Settings, *, to: str, subject: str, text: str) -> None:
    """Send one email now (the worker's job).

    Raises:
        Unavailable: no SMTP server is configured.
        TransportError: the server refused or could not be reached (retried unless permanent).
    """
    server = await configured_server(settings)
    try:
        await _send(server, Mail(server.sender, to, subject, text))
    except TransportError as exc:
        if exc.code != "SMTP_RECIPIENT":  # one bad address says nothing about the server
            await record_email_health(ok=False, problem=exc.message)
        raise
    await record_email_health(ok=True)


async def _send(server: EmailServer, mail: Mail) -> None:
    try:
        await send_mail(
            Server(server.host, server.port, server.username, server.password, server.security),
            mail,
        )
    except smtplib.SMTPAuthenticationError as exc:
        raise TransportError(
            f"the SMTP server refused the login ({exc.smtp_code}); check the SMTP username "
            "and password.",
            permanent=True,
            code="SMTP_AUTH",
        ) from None
    except smtplib.SMTPRecipientsRefused:
        raise TransportError(
            f"the SMTP server refused the address {mail.to}.",
            permanent=True,
            code="SMTP_RECIPIENT",
        ) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise TransportError(
            f"could not send through {server.host}:{server.port}: {exc}",
            permanent=False,
            code="SMTP_FAILED",
        ) from None
