"""Billing vocabulary and the pure rules: amounts after coupons, periods, status changes."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from b2a.errors import Invalid


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


METHOD_NAMES = {
    ManualMethod.EASYPAISA: "EasyPaisa",
    ManualMethod.JAZZCASH: "JazzCash",
    ManualMethod.BANK_TRANSFER: "Bank transfer",
}
"""How people write each manual method's name."""


class ReviewStatus(StrEnum):
    """A manual payment waits for a super admin's decision."""

    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class CouponKind(StrEnum):
    """Percentage off, or a fixed amount off in minor units."""

    PERCENT = "percent"
    FIXED = "fixed"


LIVE = frozenset(
    {
        SubscriptionStatus.TRIALING,
        SubscriptionStatus.ACTIVE,
        SubscriptionStatus.PAST_DUE,
        SubscriptionStatus.UNPAID,
    }
)
"""Statuses of a subscription that holds the tenant's plan (INCOMPLETE was never paid)."""

OPEN = LIVE | {SubscriptionStatus.INCOMPLETE}
"""Statuses of a Stripe subscription that Stripe may still move on (not ended)."""

STRIPE_STATUSES = {
    "trialing": SubscriptionStatus.TRIALING,
    "active": SubscriptionStatus.ACTIVE,
    "past_due": SubscriptionStatus.PAST_DUE,
    "canceled": SubscriptionStatus.CANCELED,
    "incomplete": SubscriptionStatus.INCOMPLETE,
    # The first payment never came: Stripe ends the subscription for good.
    "incomplete_expired": SubscriptionStatus.CANCELED,
    "unpaid": SubscriptionStatus.UNPAID,
    # A trial ended without a payment method: nothing is being paid.
    "paused": SubscriptionStatus.UNPAID,
}

_CURRENCY = re.compile(r"[A-Z]{3}")
_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")
_SEPARATORS = re.compile(r"[\s-]+")
PAYMENT_OVERDUE = "PAYMENT_OVERDUE"
"""The stable code of a tenant whose AI and sending are suspended for non-payment."""


@dataclass(frozen=True)
class CouponTerms:
    """What a coupon takes off: a percentage (1-100), or minor units of one currency."""

    kind: CouponKind
    value: int
    currency: str


@dataclass(frozen=True)
class Suspension:
    """Why a tenant may not use AI or send messages now, in words for the tenant."""

    code: str
    reason: str


def currency_code(raw: str, *, field: str = "currency") -> str:
    """An ISO 4217 code in capitals ("pkr" → "PKR").

    Raises:
        Invalid: not three letters.
    """
    code = raw.strip().upper()
    if not _CURRENCY.fullmatch(code):
        raise Invalid(
            f"{raw!r} is not a currency code; use three letters such as PKR.", field=field
        )
    return code


def iban_adds_up(iban: str) -> bool:
    """Whether a compact IBAN (capitals, no spaces) has a valid ISO 13616 check (mod 97 = 1)."""
    if not _IBAN.fullmatch(iban):
        return False
    digits = "".join(str(int(c, 36)) for c in iban[4:] + iban[:4])
    return int(digits) % 97 == 1


def account_number(method: ManualMethod, raw: str, *, field: str) -> str:
    """Where the money goes, tidied: a wallet's mobile number, or a bank's IBAN or account number.

    An IBAN is checked digit by digit (its check digits catch a typo) and written
    in groups of four; numbers keep the spacing the operator typed.

    Raises:
        Invalid: not a phone number (wallets), nor an IBAN or account number (banks).
    """
    compact = _SEPARATORS.sub("", raw).upper()
    if method is ManualMethod.BANK_TRANSFER and compact[:2].isalpha():
        if not iban_adds_up(compact):
            raise Invalid(
                "this IBAN does not add up: check it character by character "
                "(e.g. PK36 SCBL 0000 0011 2345 6702).",
                field=field,
            )
        return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
    digits = compact.removeprefix("+")
    low, high = (6, 34) if method is ManualMethod.BANK_TRANSFER else (10, 15)
    if not (digits.isdigit() and low <= len(digits) <= high):
        example = (
            "an IBAN such as PK36 SCBL 0000 0011 2345 6702 or the account number"
            if method is ManualMethod.BANK_TRANSFER
            else f"the {METHOD_NAMES[method]} mobile number, such as 0300 1234567"
        )
        raise Invalid(f"write {example}.", field=field)
    return " ".join(raw.split())


def amount_after_coupon(amount_minor: int, currency: str, coupon: CouponTerms | None) -> int:
    """What is left to pay of ``amount_minor`` (in ``currency``) after ``coupon``; never below 0.

    A percentage rounds the discount half up to a whole minor unit; a fixed
    coupon only applies to amounts in its own currency.

    Raises:
        Invalid: a fixed coupon in another currency.
    """
    if amount_minor < 0:
        raise ValueError("an amount is never negative")
    if coupon is None:
        return amount_minor
    if coupon.kind is CouponKind.PERCENT:
        discount = (amount_minor * coupon.value + 50) // 100
    elif coupon.currency.upper() != currency.upper():
        raise Invalid(
            f"this coupon takes {coupon.currency.upper()} off and cannot be used for a price "
            f"in {currency.upper()}.",
            code="COUPON_CURRENCY",
            field="coupon_code",
        )
    else:
        discount = coupon.value
    return max(0, amount_minor - discount)


def add_interval(start: datetime, interval: Interval) -> datetime:
    """The end of a period that starts at ``start``: the same day next month or year.

    A day the next month lacks becomes its last day (31 January → 28 or 29 February).
    """
    months = 12 if interval is Interval.YEAR else 1
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return start.replace(year=year, month=month, day=day)


def stripe_status(raw: str) -> SubscriptionStatus:
    """Our status for a Stripe subscription status; an unknown one counts as unpaid."""
    return STRIPE_STATUSES.get(raw, SubscriptionStatus.UNPAID)


def is_stale(stored: SubscriptionStatus, applied_at: datetime | None, event_at: datetime) -> bool:
    """Whether an event must not touch a stored subscription: older news, or after the end.

    Stripe delivers out of order. An event created before the newest one already
    applied describes an older state; and a canceled subscription never comes back
    (Stripe starts a new one), so nothing moves it again.
    """
    if stored is SubscriptionStatus.CANCELED:
        return True
    return applied_at is not None and event_at < applied_at


def grace_end(
    status: SubscriptionStatus, current: datetime | None, now: datetime, grace_days: int
) -> datetime | None:
    """Until when a subscription in ``status`` keeps working unpaid.

    The grace period starts the first time it is seen PAST_DUE and is kept while
    it stays so; any other status clears it.
    """
    if status is not SubscriptionStatus.PAST_DUE:
        return None
    return current or now + timedelta(days=grace_days)


def suspension(
    status: SubscriptionStatus | None, grace_until: datetime | None, now: datetime
) -> Suspension | None:
    """Whether the tenant's current subscription stops AI and sending at ``now``."""
    if status is SubscriptionStatus.UNPAID:
        return Suspension(
            PAYMENT_OVERDUE,
            "The subscription is unpaid: AI replies and sending are paused until the payment "
            "goes through. Update the card in the billing portal; nothing has been deleted.",
        )
    if status is SubscriptionStatus.PAST_DUE and grace_until is not None and now >= grace_until:
        return Suspension(
            PAYMENT_OVERDUE,
            "The last payment failed and the grace period has ended: AI replies and sending are "
            "paused until it is paid. Update the card in the billing portal; nothing has been "
            "deleted.",
        )
    return None


STRIPE_ID_MAX = 255
"""Stripe's promise: the ids it generates never exceed 255 characters."""
_STRIPE_ID = re.compile(r"[a-z]+_[A-Za-z0-9_]+")
_EVENT_TYPE = re.compile(r"[a-z0-9_.]{1,80}")


def stripe_id(value: object, prefix: str) -> str:
    """A Stripe id (``evt_…``, ``cus_…``, ``sub_…``, ``cs_…``, ``price_…``), or "".

    Stripe may send an id as a string or as the expanded object carrying it.
    Anything that is not ``<prefix>_<letters, digits, _>`` of at most 255
    characters is no id at all, so nothing else reaches a column or a request.
    """
    if isinstance(value, dict):
        value = value.get("id")
    if not isinstance(value, str) or len(value) > STRIPE_ID_MAX:
        return ""
    if not value.startswith(f"{prefix}_") or not _STRIPE_ID.fullmatch(value):
        return ""
    return value


def stripe_event_type(value: object) -> str:
    """An event type (``customer.subscription.updated``), or "" when it is not one."""
    return value if isinstance(value, str) and _EVENT_TYPE.fullmatch(value) else ""
