"""Where the inbound pipeline hands a customer message to the assistant.

The pipeline calls this hook only for conversations the assistant owns, of
tenants whose assistant is on, after the greeting and away rules (whose texts
wait on the message for the turn to say first: ``lead``). The turn
itself runs as its own job (``assistant_reply``): an AI provider may take many
seconds, and inbound processing must not wait for it. The job is keyed by the message, and the turn
claims the message, so the assistant answers each message at most once.
"""

from __future__ import annotations

from uuid import UUID

from b2a.lib import queue
from b2a.tenants.scope import TenantScope

# A provider's timeouts, retries and fallback fit well inside this; a worker
# killed mid-turn has its job retried once this has passed.
TURN_TIMEOUT_SECONDS = 90


async def on_customer_message(scope: TenantScope, conversation_id: UUID, message_id: UUID) -> bool:
    """Queue the assistant's turn for this message; False when it was queued already."""
    return await queue.enqueue(
        "assistant_reply",
        key=f"assistant_reply:{message_id}",
        timeout=TURN_TIMEOUT_SECONDS,
        tenant_id=str(scope.tenant_id),
        conversation_id=str(conversation_id),
        message_id=str(message_id),
    )
