"""Where the inbound pipeline hands a customer message to the assistant.

The grounded assistant (SPEC §5) is issue 4; until it lands, the assistant
stays silent and humans answer from the inbox. The pipeline already calls this
hook only for conversations the assistant owns, after greeting and away replies.
"""

from __future__ import annotations

from uuid import UUID

from b2a.tenants.scope import TenantScope


async def on_customer_message(scope: TenantScope, conversation_id: UUID, message_id: UUID) -> None:
    """The assistant's turn to answer; it does not answer yet (issue 4)."""
