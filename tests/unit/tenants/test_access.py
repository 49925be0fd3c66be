"""Who may use which area: the one table (rules.ACCESS) behind the menu and the server."""

import uuid

import pytest

from b2a.errors import Forbidden
from b2a.server.web.nav import nav_for
from b2a.tenants.actor import Actor
from b2a.tenants.rules import ACCESS, TENANT_ROLES, Area, Role

TENANT = uuid.uuid4()
ADMIN_ONLY = {Area.TEAM, Area.BILLING, Area.AI, Area.SETTINGS, Area.ANALYTICS}


def _actor(role, tenant=TENANT):
    return Actor(uuid.uuid4(), role, tenant, "x@acme.test")


def test_every_area_is_in_the_table():
    assert set(ACCESS) == set(Area)


@pytest.mark.parametrize("area", sorted(ADMIN_ONLY))
def test_staff_are_kept_out_of_team_billing_ai_settings_and_analytics(area):
    with pytest.raises(Forbidden):
        _actor(Role.STAFF).require_area(area)
    _actor(Role.TENANT_ADMIN).require_area(area)
    _actor(Role.SUPER_ADMIN, None).require_area(area)


SUPER_ADMIN_ONLY = {Area.ADMIN}


@pytest.mark.parametrize("role", sorted(TENANT_ROLES))
def test_only_super_admins_use_the_admin_panel(role):
    with pytest.raises(Forbidden):
        _actor(role).require_area(Area.ADMIN)
    _actor(Role.SUPER_ADMIN, None).require_area(Area.ADMIN)


@pytest.mark.parametrize("area", sorted(set(Area) - ADMIN_ONLY - SUPER_ADMIN_ONLY))
def test_staff_work_everywhere_else(area):
    assert _actor(Role.STAFF).may(area)


def test_super_admin_is_never_a_role_a_tenant_admin_hands_out():
    assert Role.SUPER_ADMIN not in TENANT_ROLES


def test_the_menu_shows_only_what_the_role_may_use():
    staff = {item.href for item in nav_for(_actor(Role.STAFF))}
    admin = {item.href for item in nav_for(_actor(Role.TENANT_ADMIN))}
    assert "/app/team" in admin and "/app/team" not in staff
    owners = {"/app/analytics", "/app/billing", "/app/settings", "/app/onboarding"}
    assert owners <= admin and not owners & staff
    operator = {item.href for item in nav_for(_actor(Role.SUPER_ADMIN, None))}
    assert "/app/team" not in operator and "/app/account" in operator
    assert {"/admin", "/admin/tenants", "/admin/ai", "/admin/settings"} <= operator
    assert not any(href.startswith("/admin") for href in admin | staff)
    assert nav_for(None) == []


@pytest.mark.parametrize("role", TENANT_ROLES)
def test_only_super_admins_enter_the_admin_panel(role):
    with pytest.raises(Forbidden):
        _actor(role).require_area(Area.ADMIN)
    _actor(Role.SUPER_ADMIN, None).require_area(Area.ADMIN)
