"""What the rest of b2a needs from a WhatsApp transport, whichever it is."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class TemplateSend:
    """An approved template with its body variables, in order."""

    name: str
    language: str
    body_params: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Outbound:
    """One message to send: text, media (a local file) or a template."""

    to: str
    kind: str = "text"
    text: str = ""
    media_path: str = ""
    media_mime: str = ""
    filename: str = ""
    template: TemplateSend | None = None
    ref: str = ""
    """Our message id: transports use it to recognise a resend of the same message."""


@dataclass(frozen=True)
class Sent:
    """The transport accepted the message under this WhatsApp id."""

    wa_message_id: str


class Transport(Protocol):
    """Sends messages; raises ``TransportError(permanent=…)`` when it cannot.

    ``resend_is_safe`` is true when the transport itself drops a second send of
    the same ``ref``, so a message interrupted mid-send may be tried again.
    """

    resend_is_safe: bool

    async def send(self, message: Outbound) -> Sent:
        """Hand the message to WhatsApp and return its id."""


class Refusing:
    """A channel that cannot send (a disconnected number): every send fails with ``error``.

    Sending nothing, it is safe to try again; the send job then dead-letters the
    message with the error's reason instead of failing without one.
    """

    resend_is_safe = True

    def __init__(self, error: Exception) -> None:
        self._error = error

    async def send(self, message: Outbound) -> Sent:
        """Refuse, always."""
        raise self._error
