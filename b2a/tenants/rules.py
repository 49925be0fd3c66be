"""Pure rules about tenants and roles."""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from b2a.errors import Invalid

# The password hash of an invited member who has not joined yet: not an argon2 hash, so no
# password matches it. Only joined accounts (any other hash) hold their address uniquely.
NO_PASSWORD = "!invited"


class TenantStatus(StrEnum):
    """Lifecycle of a tenant; DELETED is a soft delete that keeps the data."""

    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    DELETED = "DELETED"


class Role(StrEnum):
    """What a user may do; see SPEC §1."""

    SUPER_ADMIN = "SUPER_ADMIN"
    TENANT_ADMIN = "TENANT_ADMIN"
    STAFF = "STAFF"


class AITier(StrEnum):
    """AI tiers; each has a model allowlist set by the super admin."""

    FREE = "FREE"
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"


class TokenPurpose(StrEnum):
    """What a single-use emailed link is for."""

    INVITE = "INVITE"
    RESET = "RESET"
    VERIFY = "VERIFY"


class Area(StrEnum):
    """A part of a tenant's panel; who may use each is decided by ``ACCESS`` alone."""

    DASHBOARD = "dashboard"
    INBOX = "inbox"
    ORDERS = "orders"
    CUSTOMERS = "customers"
    CATALOG = "catalog"
    TEMPLATES = "templates"
    ACCOUNT = "account"
    ANALYTICS = "analytics"
    TEAM = "team"
    BILLING = "billing"
    AI = "ai"
    SETTINGS = "settings"
    ADMIN = "admin"
    """The super admin's panel (``/admin/...``): no tenant role may use it."""


_EVERY_MEMBER = frozenset({Role.TENANT_ADMIN, Role.STAFF})
_ADMINS = frozenset({Role.TENANT_ADMIN})

# SPEC §1: staff work the inbox, orders and customers; team, billing, AI and
# settings are the business owner's, and so are the analytics (sales and costs).
# Super admins pass everywhere (Actor.may).
ACCESS: dict[Area, frozenset[Role]] = {
    Area.DASHBOARD: _EVERY_MEMBER,
    Area.INBOX: _EVERY_MEMBER,
    Area.ORDERS: _EVERY_MEMBER,
    Area.CUSTOMERS: _EVERY_MEMBER,
    Area.CATALOG: _EVERY_MEMBER,
    Area.TEMPLATES: _EVERY_MEMBER,
    Area.ACCOUNT: _EVERY_MEMBER,
    Area.ANALYTICS: _ADMINS,
    Area.TEAM: _ADMINS,
    Area.BILLING: _ADMINS,
    Area.AI: _ADMINS,
    Area.SETTINGS: _ADMINS,
    Area.ADMIN: frozenset(),
}

# Roles a tenant admin may hand out; SUPER_ADMIN is never among them.
TENANT_ROLES = (Role.TENANT_ADMIN, Role.STAFF)


def slugify(name: str) -> str:
    """A URL-safe lowercase slug from a business name ("Café Noor" → "cafe-noor")."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:60] or "tenant"


def check_time_zone(time_zone: str) -> str:
    """The name, when it is an IANA time zone this machine knows.

    Raises:
        Invalid: it is not one.
    """
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(
            f"{time_zone!r} is not a time zone; use a name like Asia/Karachi.", field="time_zone"
        ) from None
    return time_zone


# Which area a live event belongs to, by the first word of its kind (``order.updated`` →
# orders): a member's event stream carries only the events of areas their role may open.
# A kind not listed here goes to those who may open the settings (admins): a new kind is
# hidden from staff until it is placed.
EVENT_AREAS: dict[str, Area] = {
    "message": Area.INBOX,
    "conversation": Area.INBOX,
    "note": Area.INBOX,
    "order": Area.ORDERS,
    "whatsapp": Area.SETTINGS,
}


def event_area(kind: str) -> Area:
    """The area whose users may receive a live event of this kind."""
    return EVENT_AREAS.get(kind.split(".", 1)[0], Area.SETTINGS)
