"""Assistant configuration per tenant and the per-call usage log."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Varchar,
)

from b2a.inbox.tables import Conversation
from b2a.tenants.tables import TenantRecord


class AssistantConfig(TenantRecord):
    """How a tenant's assistant behaves; one row per tenant."""

    enabled = Boolean(
        default=True,
        help_text="the tenant's own switch: off, humans answer everything",
    )
    threshold = Float(default=0.85, help_text="minimum confidence to send a reply")
    prohibited_phrases = JSON(default=[])
    fallback_text = Text(
        default="Thanks for your message! A member of our team will reply shortly."
    )
    handoff_text = Text(default="Let me pass you to a colleague who can help with that.")
    intent_keywords = JSON(default={}, help_text="tenant-editable keywords per intent")
    required_order_fields = JSON(default=["name", "phone", "address"])
    greet_new_customers = Boolean(default=True)


class AIUsage(TenantRecord):
    """One assistant call: model, tokens, cost, latency, or why it was blocked."""

    conversation = ForeignKey(Conversation, on_delete=OnDelete.set_null, null=True)
    provider = Varchar(length=40)
    model = Varchar(length=120)
    prompt_tokens = Integer(default=0)
    completion_tokens = Integer(default=0)
    cost_micro_usd = Integer(default=0, help_text="estimated cost in millionths of a dollar")
    latency_ms = Integer(default=0)
    confidence = Float(null=True, default=None)
    intent = Varchar(length=20, default="")
    outcome = Varchar(length=12, default="sent", help_text="sent, handoff, blocked, fallback")
    blocked_reason = Varchar(length=200, default="")
    sandbox = Boolean(
        default=False, help_text="a turn in a sandbox chat: outside the quota and analytics"
    )
