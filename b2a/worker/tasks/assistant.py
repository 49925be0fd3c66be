"""The assistant's turn as its own job: a slow AI provider never holds up inbound processing."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from b2a.assistant.turn import take_turn
from b2a.lib.crypto import SecretBox
from b2a.tenants.scope import TenantScope


async def assistant_reply(
    ctx: dict[str, Any], *, tenant_id: str, conversation_id: str, message_id: str
) -> dict[str, Any]:
    """Answer one customer message or hand it to humans (claimed once per message)."""
    result = await take_turn(
        TenantScope(UUID(tenant_id)),
        UUID(conversation_id),
        UUID(message_id),
        ctx["redis"],
        box=SecretBox(ctx["settings"].core.encryption_key),
        http=ctx["http"],
    )
    if result is None:
        return {"outcome": "skipped"}
    return {
        "outcome": result.outcome,
        "reply_id": str(result.reply_id) if result.reply_id else None,
        "reason": result.reason,
    }
