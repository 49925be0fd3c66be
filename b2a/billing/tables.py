"""Plans, subscriptions, payments and coupons; amounts in integer minor units."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)

from b2a.billing.rules import (
    CouponKind,
    Interval,
    ManualMethod,
    PaymentProvider,
    ReviewStatus,
    SubscriptionStatus,
)
from b2a.db.columns import Record
from b2a.tenants.rules import AITier
from b2a.tenants.tables import Tenant, TenantRecord, User


class Plan(Record):
    """A subscription plan on the pricing page."""

    name = Varchar(length=80)
    price_minor = Integer(default=0, help_text="card price, in minor units of currency")
    currency = Varchar(length=3, default="USD")
    local_price_minor = Integer(
        default=0, help_text="manual-payment price in the local currency; 0 = not offered"
    )
    interval = Varchar(length=5, choices=Interval, default=Interval.MONTH)
    ai_tier = Varchar(length=8, choices=AITier, default=AITier.FREE)
    ai_daily_limit = Integer(default=50)
    ai_monthly_limit = Integer(default=1000)
    trial_days = Integer(default=0)
    stripe_price_id = Varchar(length=64, default="")
    is_free = Boolean(default=False, help_text="the plan tenants fall back to")
    is_active = Boolean(default=True)
    display_order = Integer(default=0)


class Coupon(Record):
    """A discount code, optionally mirrored by a Stripe coupon, with a banner."""

    code = Varchar(length=40, unique=True)
    kind = Varchar(length=7, choices=CouponKind, default=CouponKind.PERCENT)
    value = Integer(help_text="percent (1-100) or minor units off")
    currency = Varchar(length=3, default="USD")
    expires_at = Timestamptz(null=True, default=None)
    stripe_coupon_id = Varchar(length=64, default="")
    banner_text = Varchar(length=200, default="")
    is_active = Boolean(default=True)


class Subscription(TenantRecord):
    """A tenant's subscription period to a plan, from Stripe or a manual payment."""

    plan = ForeignKey(Plan, on_delete=OnDelete.restrict, null=False)
    provider = Varchar(length=6, choices=PaymentProvider)
    status = Varchar(length=10, choices=SubscriptionStatus, index=True)
    current_period_start = Timestamptz(null=True, default=None)
    current_period_end = Timestamptz(null=True, default=None, index=True)
    trial_end = Timestamptz(null=True, default=None)
    grace_until = Timestamptz(null=True, default=None)
    cancel_at_period_end = Boolean(default=False)
    stripe_customer_id = Varchar(length=255, default="", index=True)
    stripe_subscription_id = Varchar(length=255, null=True, default=None, unique=True)
    coupon = ForeignKey(Coupon, on_delete=OnDelete.set_null, null=True)
    renewal_reminded_at = Timestamptz(null=True, default=None)
    stripe_event_at = Timestamptz(
        null=True, default=None, help_text="creation time of the newest Stripe event applied"
    )


class StripeCustomer(Record):
    """The Stripe customer that pays for a tenant; one per tenant, made at its first checkout."""

    tenant = ForeignKey(Tenant, on_delete=OnDelete.cascade, null=False, unique=True)
    customer_id = Varchar(length=255, unique=True)


class StripeEvent(Record):
    """A Stripe webhook event, recorded once by id so replays have no second effect."""

    event_id = Varchar(length=255, unique=True)
    type = Varchar(length=80)
    tenant = ForeignKey(Tenant, on_delete=OnDelete.set_null, null=True)
    payload = JSON(default={})
    processed_at = Timestamptz(null=True, default=None)


class ManualPayment(TenantRecord):
    """A payment made outside Stripe, waiting for or carrying a super admin's decision."""

    plan = ForeignKey(Plan, on_delete=OnDelete.restrict, null=False)
    method = Varchar(length=14, choices=ManualMethod)
    sender_name = Varchar(length=120)
    sender_number = Varchar(length=40, default="")
    reference = Varchar(length=80)
    amount_minor = Integer()
    currency = Varchar(length=3)
    coupon = ForeignKey(Coupon, on_delete=OnDelete.set_null, null=True)
    screenshot_path = Varchar(length=300, default="")
    status = Varchar(length=8, choices=ReviewStatus, default=ReviewStatus.PENDING, index=True)
    reviewer = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    review_note = Text(default="")
    reviewed_at = Timestamptz(null=True, default=None)
    subscription = ForeignKey(Subscription, on_delete=OnDelete.set_null, null=True)
