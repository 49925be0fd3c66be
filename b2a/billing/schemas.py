"""What billing reads and writes at its edges: msgspec Structs, documented in OpenAPI.

Amounts are integer minor units (cents, paisa) with their ISO currency code.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from b2a.billing.rules import CouponKind, Interval, ManualMethod
from b2a.tenants.rules import AITier


class PlanIn(msgspec.Struct, kw_only=True):
    """A plan as the super admin writes it (creating and editing send every field)."""

    name: str
    price_minor: int = 0
    currency: str = "USD"
    interval: Interval = Interval.MONTH
    local_price_minor: int = 0
    ai_tier: AITier = AITier.FREE
    ai_daily_limit: int = 50
    ai_monthly_limit: int = 1000
    trial_days: int = 0
    stripe_price_id: str = ""
    display_order: int = 0


class PlanOut(msgspec.Struct):
    """A plan on the pricing page and in the admin panel."""

    id: UUID
    name: str
    price_minor: int
    currency: str
    interval: str
    local_price_minor: int
    ai_tier: str
    ai_daily_limit: int
    ai_monthly_limit: int
    trial_days: int
    stripe_price_id: str
    is_free: bool
    is_active: bool
    display_order: int


class CouponIn(msgspec.Struct, kw_only=True):
    """A coupon as the super admin writes it; ``value`` is a percentage or minor units."""

    code: str
    kind: CouponKind = CouponKind.PERCENT
    value: int
    currency: str = "USD"
    expires_at: datetime | None = None
    stripe_coupon_id: str = ""
    banner_text: str = ""


class CouponOut(msgspec.Struct):
    """A coupon and its banner."""

    id: UUID
    code: str
    kind: str
    value: int
    currency: str
    expires_at: datetime | None
    stripe_coupon_id: str
    banner_text: str
    is_active: bool


class Banner(msgspec.Struct):
    """A live coupon's banner for the public pages."""

    code: str
    text: str
    expires_at: datetime | None


class Price(msgspec.Struct):
    """An amount to pay."""

    amount_minor: int
    currency: str


class PaymentMethodOut(msgspec.Struct):
    """A manual method the operator has switched on, and where to send the money."""

    method: str
    name: str
    account_title: str
    account_number: str
    instructions: str


class Quote(msgspec.Struct):
    """What a plan costs the tenant after a coupon, by card and by manual payment.

    ``card`` is None when the plan cannot be paid by card now, and ``card_note``
    says why and who can change it; ``local`` and ``local_note`` likewise for
    manual payments, which go to one of ``methods``.
    """

    plan: PlanOut
    coupon_code: str
    card: Price | None
    local: Price | None
    methods: list[PaymentMethodOut]
    card_note: str = ""
    local_note: str = ""


class SubscriptionOut(msgspec.Struct):
    """A subscription period: Stripe's, or one bought with a manual payment."""

    id: UUID
    plan: PlanOut
    provider: str
    status: str
    current_period_start: datetime | None
    current_period_end: datetime | None
    trial_end: datetime | None
    grace_until: datetime | None
    cancel_at_period_end: bool
    created_at: datetime


class Usage(msgspec.Struct):
    """The tenant's AI replies against its plan's limits (tenant time zone)."""

    ai_tier: str
    ai_replies_today: int
    ai_daily_limit: int
    ai_replies_this_month: int
    ai_monthly_limit: int


class BillingOverview(msgspec.Struct):
    """The tenant's billing page: plan, subscription, usage, and what needs doing."""

    plan: PlanOut
    subscription: SubscriptionOut | None
    usage: Usage
    suspended: bool
    suspension_code: str
    warnings: list[str]


class CheckoutOut(msgspec.Struct):
    """Where to send the tenant admin to pay: Stripe's hosted checkout page."""

    session_id: str
    url: str


class PortalOut(msgspec.Struct):
    """Stripe's customer portal for this tenant (cards, invoices, plan changes, cancel)."""

    url: str


class ManualPaymentOut(msgspec.Struct):
    """A manual payment and the super admin's decision on it."""

    id: UUID
    tenant_id: UUID
    plan_id: UUID
    plan_name: str
    method: str
    sender_name: str
    sender_number: str
    reference: str
    amount_minor: int
    currency: str
    coupon_code: str
    status: str
    review_note: str
    reviewed_at: datetime | None
    has_screenshot: bool
    subscription_id: UUID | None
    created_at: datetime


class PaymentRecord(msgspec.Struct):
    """One line of the payment history: a Stripe invoice or a manual payment."""

    kind: str
    id: str
    at: datetime
    amount_minor: int
    currency: str
    status: str
    description: str
    url: str


class StripeSettingsOut(msgspec.Struct):
    """Whether Stripe is set up; the keys show their last four characters at most."""

    configured: bool
    live_mode: bool
    secret_key_hint: str
    webhook_secret_hint: str
    updated_at: datetime | None


class ManualMethodSettings(msgspec.Struct, kw_only=True):
    """One manual method as the operator set it up; details are kept while it is off."""

    enabled: bool = False
    account_title: str = ""
    account_number: str = ""
    instructions: str = ""


class LocalPayments(msgspec.Struct):
    """The currency of manual payments and, per method (``ManualMethod`` names), its details."""

    currency: str = "PKR"
    methods: dict[str, ManualMethodSettings] = msgspec.field(default_factory=dict)

    def offered(self) -> dict[str, ManualMethodSettings]:
        """The methods switched on, in the order of ``ManualMethod``."""
        return {
            m.value: self.methods[m.value]
            for m in ManualMethod
            if m.value in self.methods and self.methods[m.value].enabled
        }


class StripeKeyCheck(msgspec.Struct):
    """What Stripe said when asked for the account with the stored secret key."""

    ok: bool
    message: str
    account_id: str = ""
    live_mode: bool = False


class BillingSettingsOut(msgspec.Struct):
    """The operator's payment settings: Stripe (masked), the webhook URL, manual methods."""

    stripe: StripeSettingsOut
    webhook_url: str
    local: LocalPayments


class BillingSettingsIn(msgspec.Struct, kw_only=True):
    """What the operator changes; blank or masked keys, and an omitted ``local``, keep theirs."""

    secret_key: str = ""
    webhook_secret: str = ""
    local: LocalPayments | None = None
