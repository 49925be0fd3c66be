"""The sandbox transport: no WhatsApp at all, for trying b2a before connecting a number.

Replies "sent" to the sandbox are accepted at once under an id derived from our
message id, so a resend is recognisably the same message. The customer side is
the simulator (``/api/v1/sandbox``), which feeds messages through the same
pipeline as a real webhook and reads back what the business sent.
"""

from __future__ import annotations

import uuid

from b2a.whatsapp.transport import Outbound, Sent


class SandboxTransport:
    """Accepts every message; the simulated customer reads them from the inbox."""

    resend_is_safe = True

    async def send(self, message: Outbound) -> Sent:
        """Accept the message under ``sandbox.<ref>``."""
        return Sent(wa_message_id=f"sandbox.{message.ref or uuid.uuid4().hex}")
