"""Order states, the sentences customers read about their requests, and missing details."""

from hypothesis import given
from hypothesis import strategies as st

from b2a.assistant.guardrails import check
from b2a.assistant.shapes import CatalogView
from b2a.orders.rules import (
    TRANSITIONS,
    OrderStatus,
    allowed_next,
    can_transition,
    decision_message,
    missing_fields,
    request_line,
    request_summary,
)

statuses = st.sampled_from(list(OrderStatus))
FINAL = {OrderStatus.REJECTED, OrderStatus.COMPLETED, OrderStatus.CANCELLED}


@given(current=statuses, target=statuses)
def test_a_move_is_allowed_only_when_the_table_says_so(current, target):
    assert can_transition(current, target) == (target in TRANSITIONS[current])
    assert not can_transition(current, current)
    if current in FINAL:
        assert not can_transition(current, target)


def test_only_humans_move_a_request_past_approval_and_drafts_cannot_be_approved():
    assert not can_transition(OrderStatus.DRAFT, OrderStatus.APPROVED)
    assert can_transition(OrderStatus.PENDING_APPROVAL, OrderStatus.REJECTED)
    assert not can_transition(OrderStatus.PENDING_APPROVAL, OrderStatus.CANCELLED)
    assert allowed_next(OrderStatus.APPROVED) == "it can only move to CANCELLED or COMPLETED"
    assert allowed_next(OrderStatus.REJECTED) == "it is final"


def test_missing_fields_keep_the_tenants_order_and_ignore_blank_values():
    details = {"name": "Ayesha", "phone": " ", "email": "a@b.c"}
    assert missing_fields(("address", "name", "phone"), details) == ["address", "phone"]


def _language_only(text):
    """The guardrails' language rules (amounts aside: these lines state a computed total)."""
    return [v.rule for v in check(text, CatalogView("Salon"), ()) if v.rule != "amount"]


@given(number=st.integers(1, 10**6), missing=st.lists(st.sampled_from(["name", "address"])))
def test_request_lines_never_confirm_and_always_say_what_is_awaited(number, missing):
    status = OrderStatus.DRAFT if missing else OrderStatus.PENDING_APPROVAL
    line = request_line(status, number, "PKR 3,000", missing)
    assert f"#{number}" in line and "PKR 3,000" in line
    assert ("approval" in line) != bool(missing)
    assert _language_only(line) == []


def test_a_draft_line_names_what_it_waits_for_in_words():
    line = request_line(OrderStatus.DRAFT, 4, "PKR 3,000", ["phone", "address"])
    assert (
        line == "Order request #4: PKR 3,000 in total, waiting for your phone number and address."
    )


def test_the_customer_hears_of_approvals_rejections_and_cancellations_only():
    said = {s: decision_message(s, 7, "PKR 1,500") for s in OrderStatus}
    assert "approved" in said[OrderStatus.APPROVED] and "PKR 1,500" in said[OrderStatus.APPROVED]
    assert "cannot take" in said[OrderStatus.REJECTED]
    assert "cancelled" in said[OrderStatus.CANCELLED]
    assert {s for s, text in said.items() if text is None} == {
        OrderStatus.DRAFT,
        OrderStatus.PENDING_APPROVAL,
        OrderStatus.COMPLETED,
    }


def test_a_request_summary_lists_every_line_before_the_total():
    line = request_line(OrderStatus.DRAFT, 10, "PKR 53,000", ["name"])
    summary = request_summary(
        [("Bridal Makeup", 1, "PKR 40,000"), ("Manicure", 2, "PKR 6,500")], line
    )
    assert summary.splitlines() == [
        "In this request:",
        "Bridal Makeup, quantity 1: PKR 40,000 each",
        "Manicure, quantity 2: PKR 6,500 each",
        "Order request #10: PKR 53,000 in total, waiting for your name.",
    ]
    assert request_summary([], line) == line
