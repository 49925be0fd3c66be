"""Sending one email over SMTP (standard library, in a thread: smtplib blocks)."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class Server:
    """An SMTP server and how to talk to it."""

    host: str
    port: int
    username: str
    password: str
    security: str  # starttls | tls | none


@dataclass(frozen=True)
class Mail:
    """One plain-text message."""

    sender: str
    to: str
    subject: str
    text: str


def _message(mail: Mail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = mail.sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(domain=mail.sender.rpartition("@")[2].strip("> ") or None)
    message.set_content(mail.text)
    return message


def _send(server: Server, mail: Mail) -> None:
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if server.security == "tls":
        smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT_SECONDS, context=context)
    else:
        smtp = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_SECONDS)
    with smtp:
        if server.security == "starttls":
            smtp.starttls(context=context)
        if server.username:
            smtp.login(server.username, server.password)
        smtp.send_message(_message(mail))


async def send_mail(server: Server, mail: Mail) -> None:
    """Deliver ``mail`` to the SMTP server; raises ``smtplib.SMTPException`` or ``OSError``."""
    await asyncio.to_thread(_send, server, mail)
