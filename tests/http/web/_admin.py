"""The operator of the admin panel tests: a super admin logged into a browser."""

from __future__ import annotations

from b2a.tenants import service as tenants
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role
from tests.conftest import PASSWORD

OPERATOR_EMAIL = "op@b2a.test"


async def log_in_operator(browser) -> Actor:
    """Create the super admin and log the browser in; returns the operator as an Actor."""
    login = await tenants.create_user(
        Actor.operator("tests"), OPERATOR_EMAIL, password=PASSWORD, role=Role.SUPER_ADMIN
    )
    await browser.log_in(OPERATOR_EMAIL, PASSWORD)
    return Actor(login.user_id, Role.SUPER_ADMIN, None, OPERATOR_EMAIL)
