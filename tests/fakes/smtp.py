"""A local SMTP server that records what it receives (aiosmtpd, in its own thread).

It speaks real SMTP, including AUTH PLAIN/LOGIN against one username and
password (over plain TCP, as a local relay would), so the worker's real
smtplib client, the decrypted password and the message format are all
exercised. ``wait_for`` polls the recorded messages for one recipient without blocking
the event loop (a worker may be running in it).
"""

from __future__ import annotations

import asyncio
import email
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import Message
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USERNAME = "mailer"
PASSWORD = "smtp-secret-password"
LINK = re.compile(r"https?://\S+")


@dataclass
class Received:
    """One delivered message."""

    sender: str
    recipients: list[str]
    message: Message

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        part = self.message.get_body(("plain",)) if hasattr(self.message, "get_body") else None
        return (part or self.message).get_content()  # type: ignore[union-attr]

    @property
    def links(self) -> list[str]:
        return LINK.findall(self.text)


@dataclass
class _Handler:
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=default)
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"


def _authenticate(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login.decode() == USERNAME
        and auth_data.password.decode() == PASSWORD
    )
    return AuthResult(success=ok, handled=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FakeSmtp:
    """The running server: its address and what it has received."""

    def __init__(self) -> None:
        self.handler = _Handler()
        self.port = _free_port()
        self.controller = Controller(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            authenticator=_authenticate,
            auth_require_tls=False,
        )

    def __enter__(self) -> FakeSmtp:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    def clear(self) -> None:
        """Forget what was received (each test starts with an empty mailbox)."""
        with self.handler.lock:
            self.handler.received.clear()

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    async def wait_for(self, to: str, *, count: int = 1, timeout: float = 20.0) -> list[Received]:
        """The messages to ``to`` once there are ``count`` of them (the event loop keeps going)."""
        deadline = time.monotonic() + timeout
        while True:
            mine = [m for m in self.received if to in m.recipients]
            if len(mine) >= count:
                return mine
            if time.monotonic() > deadline:
                raise AssertionError(f"no email to {to} within {timeout:.0f} s: {self.received}")
            await asyncio.sleep(0.05)
