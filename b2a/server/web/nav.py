"""The navigation of the tenant panel: one entry per page, shown only to roles that may use it.

To add a page to the menu, add an entry here with its ``Area``; the same area
on the page's route (``opt={"area": ...}``) makes the server refuse everyone
the menu hides it from.
"""

from __future__ import annotations

from dataclasses import dataclass

from b2a.tenants.actor import Actor
from b2a.tenants.rules import Area


@dataclass(frozen=True)
class NavItem:
    """One menu entry."""

    label: str
    href: str
    area: Area
    needs_tenant: bool = True


NAV: tuple[NavItem, ...] = (
    NavItem("Dashboard", "/app", Area.DASHBOARD, needs_tenant=False),
    NavItem("Inbox", "/app/inbox", Area.INBOX),
    NavItem("Sandbox", "/app/sandbox", Area.INBOX),
    NavItem("Saved replies", "/app/replies", Area.INBOX),
    NavItem("Labels", "/app/labels", Area.INBOX),
    NavItem("Orders", "/app/orders", Area.ORDERS),
    NavItem("Customers", "/app/customers", Area.CUSTOMERS),
    NavItem("Services", "/app/services", Area.CATALOG),
    NavItem("Templates", "/app/templates", Area.TEMPLATES),
    NavItem("Scheduled", "/app/schedules", Area.TEMPLATES),
    NavItem("Analytics", "/app/analytics", Area.ANALYTICS),
    NavItem("Team", "/app/team", Area.TEAM),
    NavItem("Billing", "/app/billing", Area.BILLING),
    NavItem("Settings", "/app/settings", Area.SETTINGS),
    NavItem("WhatsApp", "/app/onboarding", Area.SETTINGS),
    NavItem("My account", "/app/account", Area.ACCOUNT, needs_tenant=False),
)


# The operator's panel; "AI" (providers, models per tier) is /admin/ai.
ADMIN_NAV: tuple[NavItem, ...] = (
    NavItem("Overview", "/admin", Area.ADMIN, needs_tenant=False),
    NavItem("Tenants", "/admin/tenants", Area.ADMIN, needs_tenant=False),
    NavItem("Notices", "/admin/notices", Area.ADMIN, needs_tenant=False),
    NavItem("Plans", "/admin/plans", Area.ADMIN, needs_tenant=False),
    NavItem("Payments", "/admin/payments", Area.ADMIN, needs_tenant=False),
    NavItem("Billing", "/admin/billing", Area.ADMIN, needs_tenant=False),
    NavItem("Coupons", "/admin/coupons", Area.ADMIN, needs_tenant=False),
    NavItem("AI", "/admin/ai", Area.ADMIN, needs_tenant=False),
    NavItem("AI usage", "/admin/usage", Area.ADMIN, needs_tenant=False),
    NavItem("Audit", "/admin/audit", Area.ADMIN, needs_tenant=False),
    NavItem("Dead events", "/admin/events", Area.ADMIN, needs_tenant=False),
    NavItem("Settings", "/admin/settings", Area.ADMIN, needs_tenant=False),
    NavItem("My account", "/app/account", Area.ACCOUNT, needs_tenant=False),
)


def nav_for(actor: Actor | None) -> list[NavItem]:
    """The entries this actor may use (none for visitors); super admins get the admin panel's."""
    if actor is None:
        return []
    if actor.is_super_admin and actor.tenant_id is None:
        return list(ADMIN_NAV)
    return [
        item
        for item in NAV
        if actor.may(item.area) and (actor.tenant_id is not None or not item.needs_tenant)
    ]
