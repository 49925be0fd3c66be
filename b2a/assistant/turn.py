"""One assistant turn: from a stored customer message to a grounded reply or a hand-off.

The order of checks is the product's promise (SPEC §5):

1. Nothing happens for a message already answered, a conversation a human
   owns, or a tenant that switched its assistant off (``AssistantConfig.enabled``:
   humans answer everything; the greeting and away notice left for the turn
   still go, on their own: ``lead.release``).
2. Governance decides before any provider is asked (kill switches, limits;
   a sandbox chat's turn is outside the daily and monthly limits). Refused:
   the customer gets the tenant's fallback text and humans take over, with
   the reason shown in the inbox.
3. The provider drafts; grounding and the guardrails review the draft against
   the catalogue. Blocked: the fallback text; below the tenant's threshold, or
   the customer asking for a person: the hand-off text. Either way humans take
   over and the reason is kept.
4. The outcome is written in one transaction that first claims the message
   (``Message.assisted_at``): the reply, the hand-off and the usage row commit
   together or not at all. A job killed before the commit is retried and drafts
   again; one killed after it finds the message claimed and only makes sure the
   reply it stored has its send job. So every message is answered at most once
   and, once the job has run to its end, exactly once. The reply says the
   reply step's greeting and away notice first (``lead``): one message per turn.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import httpx

from b2a.assistant import context, governance, lead, selection
from b2a.assistant.catalog_provider import CatalogAssistant
from b2a.assistant.config import config_row
from b2a.assistant.facts import TurnConfig, TurnFacts, read_facts
from b2a.assistant.grounding import review
from b2a.assistant.shapes import AssistantRequest, Intent, ItemRef, Provider, ProviderReply
from b2a.audit import service as audit
from b2a.db.sql import Statement
from b2a.db.transaction import atomic
from b2a.inbox.rules import Author, Owner, Transport
from b2a.lib import clock, events, metrics, tracing
from b2a.lib.crypto import SecretBox
from b2a.orders.service import needed_fields, order_in_progress, take_order
from b2a.outbox.queueing import (
    WindowClosed,
    enqueue_send,
    resume_unsent,
    store_system_text,
)
from b2a.tenants.actor import Actor
from b2a.tenants.hours import Day, describe, humans_back, opening_days
from b2a.tenants.rules import Role
from b2a.tenants.scope import TenantScope

log = logging.getLogger(__name__)

_CONFIDENCE = Statement(
    "UPDATE message SET ai_confidence = :confidence WHERE id = :id AND (tenant = :tenant) IS TRUE"
)
_HAND_OVER = Statement(
    """UPDATE conversation SET owner = :owner, owner_reason = :reason
    WHERE id = :id AND (tenant = :tenant) IS TRUE"""
)


class Outcome:
    """How a turn ended, as the usage log records it."""

    SENT = "sent"
    HANDOFF = "handoff"
    BLOCKED = "blocked"
    REFUSED = "refused"
    FALLBACK = "fallback"


@dataclass(frozen=True)
class TurnResult:
    """What the turn did; ``reply_id`` is the queued answer, if any."""

    outcome: str
    reply_id: UUID | None = None
    reason: str = ""


@dataclass
class Decision:
    """What the turn will write: the text, whether humans take over, and the usage row."""

    text: str
    outcome: str
    reason: str = ""
    hand_over: bool = False
    confidence: float | None = None
    usage: dict[str, Any] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)
    """Customer details the message gave, kept on the customer."""
    intent: Intent | None = None
    sandbox: bool = False
    """A turn in a sandbox chat: outside the quota and the analytics (``governance``)."""
    items: tuple[ItemRef, ...] = ()
    """The catalogue services the reply names, checked by grounding (an order's lines)."""
    requested_at: datetime | None = None
    """The time the reply's order request is for (the provider's ``requested_at``)."""


async def take_turn(
    scope: TenantScope,
    conversation_id: UUID,
    message_id: UUID,
    redis: Any,
    *,
    provider: Provider | None = None,
    box: SecretBox | None = None,
    http: httpx.AsyncClient | None = None,
    now: datetime | None = None,
) -> TurnResult | None:
    """Answer one customer message or hand the conversation to humans; None when not ours.

    ``provider`` overrides the choice; else, given the key box and an HTTP
    client, the super admin's AI settings choose it (``selection``), and
    without them the offline catalog assistant answers.
    """
    now = now or clock.now()
    facts = await read_facts(scope, conversation_id, message_id)
    if facts.assisted_at is not None:
        # A retried job: the turn committed; its reply may still lack a send job.
        await resume_unsent(scope, conversation_id)
        return None
    config = facts.config or TurnConfig.of(await config_row(scope))
    if facts.owner == Owner.HUMAN or not config.enabled:
        # No answer after all: the greeting and away notice left for it still go.
        await lead.release(scope, facts)
        return None
    said = lead.Lead.of(facts)
    days = await opening_days(scope)
    # An away notice said first already tells when the team is back.
    back = "" if said.away else humans_back(days, facts.time_zone, now)
    sandbox = facts.transport == Transport.SANDBOX
    policy = await governance.policy_from(
        scope.tenant_id,
        time_zone=facts.time_zone,
        status=facts.status,
        ai_enabled=facts.ai_enabled,
        daily_limit=facts.ai_daily_limit,
        monthly_limit=facts.ai_monthly_limit,
    )
    admission = await governance.admit(redis, policy, now=now, sandbox=sandbox)
    if admission.allowed:
        request = await _request(scope, facts, config, days, back, now, greeted=bool(said.greeting))
        decision = await _decide(
            request, config, await _provider(facts, provider, box, http, redis)
        )
    else:
        decision = Decision(config.fallback_text, Outcome.REFUSED, admission.reason, True)
    if decision.hand_over and back:
        decision.text = f"{decision.text.strip()} Our team is back {back}."
    decision.sandbox = sandbox
    return await _commit(scope, facts, decision, redis, now, said)


async def _provider(
    facts: TurnFacts,
    provider: Provider | None,
    box: SecretBox | None,
    http: httpx.AsyncClient | None,
    redis: Any,
) -> Provider:
    if provider is not None:
        return provider
    if box is None or http is None:
        return CatalogAssistant()
    return await selection.provider_for(facts.ai_tier, facts.ai_model, box, redis, http)


async def _request(
    scope: TenantScope,
    facts: TurnFacts,
    config: TurnConfig,
    days: list[Day],
    back: str,
    now: datetime,
    *,
    greeted: bool,
) -> AssistantRequest:
    """Everything the provider sees: catalogue, bounded history, customer, hours, open order.

    Times are the business's: its zone, its weekly hours and the moment of the message.
    What an order needs comes from the settings and tenant values the turn read already.
    """
    required = needed_fields(config.required_order_fields, facts.orders_need)
    return AssistantRequest(
        catalog=await context.catalog_view(scope, facts.tenant_name),
        message=facts.text,
        history=await context.history(scope, facts.conversation, facts),
        known_fields=facts.known_fields,
        required_fields=required,
        keywords=config.intent_keywords,
        hours=describe(days),
        humans_back=back,
        now=now,
        time_zone=facts.time_zone,
        opening=tuple(days),
        orders_need=facts.orders_need,
        order=await order_in_progress(scope, facts.conversation, required),
        greeted=greeted,
    )


async def _decide(request: AssistantRequest, config: TurnConfig, provider: Provider) -> Decision:
    """Draft, review against the catalogue, and choose: send, hand off, or block."""
    started = time.perf_counter()
    with tracing.span("assistant.provider", kind="client") as span:
        reply = await provider.reply(request)
        # The provider's name and model, never the prompt or the draft.
        span.set(
            {
                "b2a.ai.provider": reply.provider,
                "b2a.ai.model": reply.model or None,
                "b2a.ai.fallback": bool(reply.fallback_reason),
                "b2a.ai.intent": reply.intent.value,
            }
        )
    metrics.provider_replied(
        reply.provider, time.perf_counter() - started, bool(reply.fallback_reason)
    )
    verdict = review(
        reply,
        request.catalog,
        threshold=config.threshold,
        prohibited=config.prohibited_phrases,
    )
    usage = _usage(reply, round((time.perf_counter() - started) * 1000), verdict.confidence)
    if reply.intent is Intent.HUMAN:
        decision = Decision(
            config.handoff_text, Outcome.HANDOFF, "The customer asked for a person.", True
        )
    elif verdict.blocked:
        decision = Decision(config.fallback_text, Outcome.BLOCKED, verdict.reason, True)
    elif not verdict.send:
        reason = f"The assistant was unsure: {verdict.reason}."
        decision = Decision(config.handoff_text, Outcome.HANDOFF, reason, True)
    else:
        outcome = Outcome.FALLBACK if reply.fallback_reason else Outcome.SENT
        decision = Decision(
            verdict.text, outcome, reply.fallback_reason, confidence=verdict.confidence
        )
    if reply.fallback_reason and decision.outcome != Outcome.FALLBACK:
        decision.reason = f"{decision.reason} (offline assistant: {reply.fallback_reason})"
    decision.usage = usage
    decision.fields = reply.fields
    decision.requested_at = reply.requested_at
    decision.intent, decision.items = reply.intent, verdict.items
    return decision


def _usage(reply: ProviderReply, latency_ms: int, confidence: float) -> dict[str, Any]:
    return {
        "provider": reply.provider,
        "model": reply.model,
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": reply.completion_tokens,
        "cost_micro_usd": reply.cost_micro_usd,
        "latency_ms": latency_ms,
        "intent": reply.intent.value,
        "confidence": confidence,
    }


async def _commit(
    scope: TenantScope,
    facts: TurnFacts,
    decision: Decision,
    redis: Any,
    now: datetime,
    said: lead.Lead,
) -> TurnResult | None:
    """Claim the message and write the turn's outcome in one transaction; then send.

    The reply says the reply step's greeting and away notice first (``lead``).
    """
    conversation_id = facts.conversation
    async with atomic():
        if not await lead.claim(scope, facts.id, now):
            return None
        if decision.fields:
            await context.remember_fields(scope, facts.customer, decision.fields)
        order_id = await _take_order(scope, conversation_id, decision)
        decision.text = said.compose(decision.text)
        reply_id = await _store_reply(scope, facts, decision)
        if decision.hand_over:
            await _hand_over(scope, conversation_id, decision)
        await governance.record_usage(
            scope,
            conversation_id=conversation_id,
            outcome=decision.outcome,
            blocked_reason=decision.reason,
            sandbox=decision.sandbox,
            **decision.usage,
        )
    if reply_id is not None:
        await enqueue_send(scope.tenant_id, reply_id)
    if order_id is not None:
        await events.publish(redis, str(scope.tenant_id), "order.updated", order_id=order_id)
    if decision.hand_over:
        log.info("conversation %s handed to humans: %s", conversation_id, decision.reason)
        await events.publish(
            redis,
            str(scope.tenant_id),
            "conversation.updated",
            conversation_id=conversation_id,
            owner=Owner.HUMAN,
            reason=decision.reason,
        )
    metrics.assistant_turn(decision.outcome, decision.intent)
    return TurnResult(decision.outcome, reply_id, decision.reason)


async def _take_order(scope: TenantScope, conversation_id: UUID, decision: Decision) -> UUID | None:
    """A reply that is sent and orders, or gives details to an open draft, writes its request.

    The reply then ends with where the request stands (``orders``); a request
    that cannot be made hands the conversation to humans with the reason.
    """
    if decision.hand_over or decision.intent is None:
        return None
    taken = await take_order(
        scope,
        conversation_id,
        decision.intent,
        decision.items,
        decision.fields,
        requested_at=decision.requested_at,
    )
    if taken is None:
        return None
    decision.text = f"{decision.text.rstrip()}\n{taken.line}"
    if taken.problem:
        decision.outcome, decision.reason, decision.hand_over = Outcome.HANDOFF, taken.problem, True
    return taken.order_id


async def _store_reply(scope: TenantScope, facts: TurnFacts, decision: Decision) -> UUID | None:
    try:
        reply_id = await store_system_text(
            scope,
            facts.conversation,
            decision.text,
            transport=facts.transport,
            window_expires_at=facts.window_expires_at,
            author=Author.AI,
        )
    except WindowClosed:
        log.info("conversation %s: window closed, assistant reply dropped", facts.conversation)
        return None
    if decision.confidence is not None:
        await scope.execute(_CONFIDENCE, id=reply_id, confidence=decision.confidence)
    return reply_id


async def _hand_over(scope: TenantScope, conversation_id: UUID, decision: Decision) -> None:
    """Humans own the conversation from now on; the inbox shows why."""
    await scope.execute(
        _HAND_OVER, id=conversation_id, owner=Owner.HUMAN, reason=decision.reason[:200]
    )
    await audit.record(
        Actor(None, Role.STAFF, scope.tenant_id, label="assistant"),
        "assistant.handoff",
        conversation=str(conversation_id),
        outcome=decision.outcome,
        reason=decision.reason,
    )
