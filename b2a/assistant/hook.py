"""Where the inbound pipeline hands a customer message to the assistant.

The pipeline calls this hook only for conversations the assistant owns, after
the greeting and away replies. The turn itself runs as its own job
(``assistant_reply``): an AI provider may take many seconds, and inbound
processing must not wait for it. The job is keyed by the message, and the turn
claims the message, so the assistant answers each message at most once.
"""

from __future__ import annotations

from uuid import UUID

from b2a.db.sql import Statement
from b2a.lib import queue
from b2a.tenants.scope import TenantScope

# A provider's timeouts, retries and fallback fit well inside this; a worker
# killed mid-turn has its job retried once this has passed.
TURN_TIMEOUT_SECONDS = 90
_SWITCH = Statement("SELECT enabled FROM assistant_config WHERE tenant = :tenant")


async def on_customer_message(scope: TenantScope, conversation_id: UUID, message_id: UUID) -> bool:
    """Queue the assistant's turn for this message; False when the tenant switched it off.

    A tenant whose assistant is off gets no job at all: the turn would only find
    the switch and return, at the cost of a job per customer message. The turn
    still checks the switch itself, so one flipped after this read takes effect.
    """
    if not await assistant_switched_on(scope):
        return False
    return await queue.enqueue(
        "assistant_reply",
        key=f"assistant_reply:{message_id}",
        timeout=TURN_TIMEOUT_SECONDS,
        tenant_id=str(scope.tenant_id),
        conversation_id=str(conversation_id),
        message_id=str(message_id),
    )


async def assistant_switched_on(scope: TenantScope) -> bool:
    """The tenant's own switch; a tenant without settings yet has the default (on)."""
    row = await scope.fetchrow(_SWITCH)
    return row is None or bool(row["enabled"])
