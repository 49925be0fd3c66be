"""Tenants, users and API tokens."""

from __future__ import annotations

from piccolo.columns import (
    Boolean,
    ForeignKey,
    Integer,
    LazyTableReference,
    OnDelete,
    SmallInt,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from b2a.db.columns import Record
from b2a.tenants.rules import AITier, Role, TenantStatus, TokenPurpose


class Tenant(Record):
    """A business hosted on this appliance."""

    name = Varchar(length=120)
    slug = Varchar(length=60, unique=True)
    status = Varchar(length=12, choices=TenantStatus, default=TenantStatus.ACTIVE, index=True)
    time_zone = Varchar(length=64, default="UTC")
    currency = Varchar(length=3, default="USD")
    ai_enabled = Boolean(default=True)
    whatsapp_enabled = Boolean(default=True)
    ai_tier = Varchar(length=8, choices=AITier, default=AITier.FREE)
    ai_model = Varchar(
        length=120, default="", help_text="custom model overriding the tier's default"
    )
    ai_daily_limit = Integer(default=50)
    ai_monthly_limit = Integer(default=1000)
    plan: ForeignKey[Table] = ForeignKey(
        LazyTableReference("Plan", module_path="b2a.billing.tables"),
        on_delete=OnDelete.set_null,
        null=True,
    )
    greeting_message = Varchar(length=1000, default="")
    away_message = Varchar(length=1000, default="")
    allow_group_chats = Boolean(default=False)
    keep_deleted_text = Boolean(
        default=False, help_text="the team may still read what a customer deleted"
    )
    orders_need = Varchar(
        length=8,
        default="address",
        help_text="what an order request needs: address (delivery), time (appointment) or none",
    )
    deleted_at = Timestamptz(null=True, default=None)


class TenantRecord(Record):
    """A row owned by one tenant; read and write it only through ``TenantScope``."""

    abstract_table = True

    tenant = ForeignKey(Tenant, on_delete=OnDelete.cascade, null=False, index=True)


class User(Record, tablename="app_user"):
    """A person who logs in: a super admin (no tenant) or a member of one tenant."""

    tenant = ForeignKey(Tenant, on_delete=OnDelete.cascade, null=True, index=True)
    # Unique among joined accounts (a partial index): several businesses may invite one address.
    email = Varchar(length=254)
    name = Varchar(length=120, default="")
    password_hash = Varchar(length=200, secret=True)
    role = Varchar(length=16, choices=Role, default=Role.STAFF)
    is_active = Boolean(default=True)
    email_verified_at = Timestamptz(null=True, default=None)
    last_login_at = Timestamptz(null=True, default=None)
    # How the panel tells this user of a new customer message or a hand-over; both off until
    # they switch them on (My account), since a sound or a pop-up nobody asked for annoys.
    notify_sound = Boolean(default=False)
    notify_desktop = Boolean(default=False)


class ApiToken(Record):
    """A per-user REST API token; only its hash is stored.

    ``tenant`` is the user's tenant, and empty for a super admin's token (the
    admin API acts across tenants); tenant members' tokens are read through
    ``TenantScope`` like any tenant-owned row.
    """

    tenant = ForeignKey(Tenant, on_delete=OnDelete.cascade, null=True, index=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade, null=False, index=True)
    name = Varchar(length=80)
    prefix = Varchar(length=12, help_text="first characters, shown to recognise the token")
    token_hash = Varchar(length=64, unique=True, secret=True)
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class AccountToken(Record):
    """A single-use, expiring link token (invite, password reset, email check); hashed."""

    user = ForeignKey(User, on_delete=OnDelete.cascade, null=False, index=True)
    purpose = Varchar(length=8, choices=TokenPurpose)
    token_hash = Varchar(length=64, unique=True, secret=True)
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class WorkingHours(TenantRecord):
    """Opening hours for one weekday (0 = Monday), in the tenant's time zone."""

    weekday = SmallInt()
    opens = Varchar(length=5, default="09:00", help_text="HH:MM")
    closes = Varchar(length=5, default="17:00", help_text="HH:MM")
    closed = Boolean(default=False)


class Notice(TenantRecord):
    """Something WhatsApp told the business that it must see: a banner until it is dismissed.

    Account restrictions and bans, a number's quality, a rejected or paused
    template. The operator's panel lists the open ones of every tenant.
    """

    kind = Varchar(length=40, help_text="account_update, phone_quality, template_status …")
    level = Varchar(length=8, default="warning", help_text="info, warning or danger")
    text = Varchar(length=1000)
    source_key = Varchar(length=160, default="", help_text="what it is about, to replace it")
    dismissed_at = Timestamptz(null=True, default=None)
