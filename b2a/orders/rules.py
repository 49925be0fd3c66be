"""Order states and the transitions between them (SPEC §5)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum


class OrderStatus(StrEnum):
    """Lifecycle of an order request; only humans move it past PENDING_APPROVAL."""

    DRAFT = "DRAFT"
    PENDING_APPROVAL = "PENDING_APPROVAL"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class OrdersNeed(StrEnum):
    """What an order request needs besides the items: a delivery address, a time, or neither.

    A business chooses it for its catalogue (``Tenant.orders_need``): a shop
    delivers, a salon books appointments, a tutor may need neither.
    """

    ADDRESS = "address"
    TIME = "time"
    NONE = "none"


TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.DRAFT: frozenset({OrderStatus.PENDING_APPROVAL, OrderStatus.CANCELLED}),
    OrderStatus.PENDING_APPROVAL: frozenset({OrderStatus.APPROVED, OrderStatus.REJECTED}),
    OrderStatus.APPROVED: frozenset({OrderStatus.COMPLETED, OrderStatus.CANCELLED}),
    OrderStatus.REJECTED: frozenset(),
    OrderStatus.COMPLETED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}


def can_transition(current: OrderStatus, target: OrderStatus) -> bool:
    """Whether an order may move from ``current`` to ``target``."""
    return target in TRANSITIONS[current]


OPEN = frozenset({OrderStatus.DRAFT, OrderStatus.PENDING_APPROVAL, OrderStatus.APPROVED})
"""Orders still waiting for something; the others are final."""

MAX_QUANTITY = 9999
"""The most of one service an order line holds (the assistant's grounding uses the same).

A print shop sells wedding cards by the card, 100 or 500 at a time; the bound only keeps a
typo or a hostile cart from making an absurd line."""

_FIELD_WORDS = {"phone": "phone number", "time": "preferred time"}


TIME = "time"
"""The required "field" that is no detail but ``Order.requested_at``."""


def missing_fields(
    required: Sequence[str], details: Mapping[str, str], *, has_time: bool = False
) -> list[str]:
    """The required fields the order still lacks, in the tenant's order.

    "time" is the requested time (``has_time``), every other field a detail.
    """
    return [
        f for f in required if (not has_time if f == TIME else not str(details.get(f, "")).strip())
    ]


def allowed_next(current: OrderStatus) -> str:
    """The moves left from ``current`` in words, for a refusal message."""
    moves = sorted(TRANSITIONS[current])
    if not moves:
        return "it is final"
    return "it can only move to " + " or ".join(moves)


def _words(fields: Sequence[str]) -> str:
    words = [_FIELD_WORDS.get(f, f) for f in fields]
    return words[0] if len(words) < 2 else f"{', '.join(words[:-1])} and {words[-1]}"


def request_line(
    status: OrderStatus, number: int, total: str, missing: Sequence[str], when: str = ""
) -> str:
    """The sentence the assistant's reply ends with after an order request changed.

    Never says the order is confirmed (SPEC §5): a request waits for the
    customer's details, then for the team's approval. ``when`` is the requested
    time in words, repeated so the customer can check it.
    """
    at = f" for {when}" if when else ""
    if status is OrderStatus.DRAFT and missing:
        return f"Order request #{number}: {total} in total{at}, waiting for your {_words(missing)}."
    return (
        f"Order request #{number}: {total} in total{at}, now waiting for our team's approval. "
        "We will tell you here once they decide."
    )


def decision_message(status: OrderStatus, number: int, total: str, when: str = "") -> str | None:
    """What the customer is told when staff move their order, or None when nothing is said.

    ``when`` is the requested time in the business's words ("Tuesday 8 December
    at 17:00"): an approved appointment repeats it, so the customer knows which.
    """
    if status is OrderStatus.APPROVED:
        at = f" for {when}" if when else ""
        return (
            f"Good news: our team approved your order request #{number} ({total}){at}. "
            "We will be in touch here about the next steps."
        )
    if status is OrderStatus.REJECTED:
        return (
            f"Sorry, we cannot take your order request #{number}. "
            "Reply here if you would like to know more."
        )
    if status is OrderStatus.CANCELLED:
        return (
            f"Your order request #{number} has been cancelled. "
            "Reply here if you have any questions."
        )
    return None


def request_summary(lines: Sequence[tuple[str, int, str]], sentence: str) -> str:
    """Every line of an order request (name, quantity, unit price in words), then its sentence.

    The customer reads the whole request with its total, not only what their
    last message added.
    """
    listed = [f"{name}, quantity {quantity}: {price} each" for name, quantity, price in lines]
    return "\n".join(["In this request:", *listed, sentence]) if listed else sentence
