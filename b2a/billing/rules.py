"""Billing vocabulary."""

from __future__ import annotations

from enum import StrEnum


class Interval(StrEnum):
    """How often a plan bills."""

    MONTH = "month"
    YEAR = "year"


class SubscriptionStatus(StrEnum):
    """Mirrors Stripe's subscription statuses; manual payments use ACTIVE and CANCELED."""

    TRIALING = "TRIALING"
    ACTIVE = "ACTIVE"
    PAST_DUE = "PAST_DUE"
    CANCELED = "CANCELED"
    INCOMPLETE = "INCOMPLETE"
    UNPAID = "UNPAID"


class PaymentProvider(StrEnum):
    """Who collects the money."""

    STRIPE = "stripe"
    MANUAL = "manual"


class ManualMethod(StrEnum):
    """Payment methods for markets without Stripe."""

    EASYPAISA = "EASYPAISA"
    JAZZCASH = "JAZZCASH"
    BANK_TRANSFER = "BANK_TRANSFER"


class ReviewStatus(StrEnum):
    """A manual payment waits for a super admin's decision."""

    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class CouponKind(StrEnum):
    """Percentage off, or a fixed amount off in minor units."""

    PERCENT = "percent"
    FIXED = "fixed"
