"""From a provider's unverified draft to the decision to send it (SPEC §5).

``review`` renders price placeholders from the catalogue, validates the
referenced services, runs the guardrails and scores the draft. A draft is sent
only when nothing is violated and the combined confidence reaches the tenant's
threshold.

Combined confidence, for an intent that makes catalogue claims (a question or
an order), is ``provider × (0.6 + 0.4 × evidence)``, where evidence is the best
of the provider's retrieval score and grounding: 1.0 when the reply names or
references at least one catalogue service (or quotes an FAQ answer), else the
retrieval score alone. A provider at 0.95 with full evidence scores 0.95; with
no evidence at all 0.57, below any sensible threshold. Greetings, thanks, hours
and details make no catalogue claim and keep the provider's own score. A
person asked for, or an unknown intent, scores 0: those are never answered by
the assistant. Any violation scores 0 and blocks the draft.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from b2a.assistant.guardrails import Violation, check, named_services, normalise
from b2a.assistant.shapes import CatalogView, Intent, ItemRef, ProviderReply
from b2a.catalog.money import format_price
from b2a.orders.rules import MAX_QUANTITY

PLACEHOLDER = re.compile(r"\{\{\s*price\s*:\s*([^}\s]+)\s*\}\}")
_CLAIMS = frozenset({Intent.QUESTION, Intent.ORDER})
_NEVER = frozenset({Intent.HUMAN, Intent.UNKNOWN})


@dataclass(frozen=True)
class Verdict:
    """Whether a draft may go to the customer, the text that would go, and why not."""

    send: bool
    text: str
    confidence: float
    items: tuple[ItemRef, ...]
    reason: str
    blocked: bool
    violations: tuple[Violation, ...] = ()


def render_prices(text: str, catalog: CatalogView) -> tuple[str, list[Violation]]:
    """``{{price:<service id>}}`` replaced by the catalogue price; unknown ids are violations."""
    violations: list[Violation] = []

    def price(match: re.Match[str]) -> str:
        item = None
        with contextlib.suppress(ValueError):
            item = catalog.service(UUID(match.group(1)))
        if item is None:
            violations.append(
                Violation("unknown_service", "prices a service that is not in the catalogue")
            )
            return "[price]"
        return format_price(item.price_minor, item.currency)

    return PLACEHOLDER.sub(price, text), violations


def validate_items(items: Sequence[ItemRef], catalog: CatalogView) -> list[Violation]:
    """Referenced services must be active catalogue services, in sensible quantities."""
    violations = []
    for item in items:
        if catalog.service(item.service_id) is None:
            violations.append(
                Violation("unknown_service", "refers to a service that is not in the catalogue")
            )
        elif not 1 <= item.quantity <= MAX_QUANTITY:
            violations.append(
                Violation("quantity", f"asks for {item.quantity} of a service (1-{MAX_QUANTITY})")
            )
    return violations


def combined_confidence(reply: ProviderReply, *, grounded: bool) -> float:
    """The score compared with the tenant's threshold (formula in the module docstring)."""
    own = min(max(reply.confidence, 0.0), 1.0)
    if reply.intent in _NEVER:
        return 0.0
    if reply.intent not in _CLAIMS:
        return round(own, 3)
    evidence = max(min(max(reply.evidence, 0.0), 1.0), 1.0 if grounded else 0.0)
    return round(own * (0.6 + 0.4 * evidence), 3)


def review(
    reply: ProviderReply,
    catalog: CatalogView,
    *,
    threshold: float,
    prohibited: Sequence[str] = (),
) -> Verdict:
    """Render, check and score a draft; ``send`` only when grounded and confident enough."""
    text, violations = render_prices(reply.text, catalog)
    violations += validate_items(reply.items, catalog)
    if not text.strip():
        violations.append(Violation("empty", "the draft has no text"))
    violations += check(text, catalog, prohibited, reply.items)
    if violations:
        return Verdict(
            send=False,
            text=text,
            confidence=0.0,
            items=(),
            reason="blocked: " + "; ".join(v.detail for v in violations),
            blocked=True,
            violations=tuple(violations),
        )
    grounded = bool(reply.items or named_services(text, catalog) or _quotes_faq(text, catalog))
    confidence = combined_confidence(reply, grounded=grounded)
    items = tuple(item for item in reply.items if catalog.service(item.service_id))
    if reply.intent in _NEVER:
        reason = (
            "the customer asked for a person"
            if reply.intent is Intent.HUMAN
            else "the assistant did not understand the message"
        )
        return Verdict(False, text, confidence, items, reason, blocked=False)
    if confidence < threshold:
        reason = f"confidence {confidence:.2f} is below the threshold {threshold:.2f}"
        return Verdict(False, text, confidence, items, reason, blocked=False)
    return Verdict(True, text, confidence, items, "", blocked=False)


def _quotes_faq(text: str, catalog: CatalogView) -> bool:
    plain = normalise(text)
    return any(
        normalise(entry.answer) and normalise(entry.answer) in plain for entry in catalog.faq
    )
