"""Every /admin route is the super admin's: 403 for tenant admins and staff, login for visitors."""

import uuid

import pytest

from b2a.server.web import admin
from tests.conftest import PASSWORD
from tests.http.web._admin import log_in_operator


def _routes() -> list[tuple[str, str]]:
    found = []
    for handler in admin.HANDLERS:
        for path in handler.paths:
            concrete = path
            while "{" in concrete:
                start, end = concrete.index("{"), concrete.index("}")
                concrete = concrete[:start] + str(uuid.uuid4()) + concrete[end + 1 :]
            for method in handler.http_methods:
                found.append((method, concrete))
    return sorted(found)


ROUTES = _routes()


def test_every_admin_route_lives_under_admin():
    assert ROUTES and all(path.startswith("/admin") for _, path in ROUTES)


async def _call(browser, method, path):
    if method == "GET":
        return await browser.get(path)
    return await browser.post(path, {})


@pytest.mark.parametrize("who", ["owner@acme.test", "agent@acme.test"])
async def test_tenant_admins_and_staff_are_refused_on_every_route(browser, cast, who):
    await browser.log_in(who, PASSWORD)
    await browser.get("/app")
    for method, path in ROUTES:
        response = await _call(browser, method, path)
        assert response.status_code == 403, (method, path)
        assert "operator" in response.text


async def test_visitors_are_sent_to_the_login_page_from_every_route(browser, db):
    await browser.get("/login")
    for method, path in ROUTES:
        response = await _call(browser, method, path)
        assert response.status_code == 303, (method, path)
        assert response.headers["location"].startswith("/login?next=/admin"), (method, path)


async def test_the_menu_shows_the_admin_panel_to_super_admins_only(browser, other_browser, cast):
    await log_in_operator(browser)
    home = await browser.get("/app")
    assert home.status_code == 303 and home.headers["location"] == "/admin"
    panel = await browser.get("/admin")
    for href in ("/admin/tenants", "/admin/plans", "/admin/payments", "/admin/ai", "/admin/audit"):
        assert f'href="{href}"' in panel.text
    await other_browser.log_in("owner@acme.test", PASSWORD)
    owner = await other_browser.get("/app")
    assert owner.status_code == 200 and 'href="/admin' not in owner.text
