"""Billing tables."""

from __future__ import annotations

from piccolo.columns import Boolean, Integer, Varchar

from b2a.db.columns import Record
from b2a.tenants.rules import AITier


class Plan(Record):
    """A subscription plan on the pricing page; prices in integer minor units."""

    name = Varchar(length=80)
    price_minor = Integer(default=0)
    currency = Varchar(length=3, default="USD")
    interval = Varchar(length=8, default="month", choices=None)
    ai_tier = Varchar(length=8, choices=AITier, default=AITier.FREE)
    ai_daily_limit = Integer(default=50)
    ai_monthly_limit = Integer(default=1000)
    is_active = Boolean(default=True)
    display_order = Integer(default=0)
