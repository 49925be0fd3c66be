"""Tenants: list, search, create with an owner, status changes, hard delete, controls."""

from b2a.audit.tables import AuditEntry
from b2a.tenants.rules import TenantStatus
from b2a.tenants.tables import Tenant, User
from tests.http.web._admin import log_in_operator


async def _tenant(name):
    return await Tenant.objects().where(Tenant.name == name).first()


async def test_the_list_searches_by_name_and_slug(browser, cast):
    await log_in_operator(browser)
    every = await browser.get("/admin/tenants")
    assert "Acme" in every.text and "Globex" in every.text
    found = await browser.get("/admin/tenants?q=glob")
    assert "Globex" in found.text and ">Acme<" not in found.text
    none = await browser.get("/admin/tenants?q=zzz")
    assert "No tenant matches" in none.text


async def test_the_operator_creates_a_tenant_with_its_owner(browser, other_browser, cast):
    await log_in_operator(browser)
    taken = await browser.submit(
        "/admin/tenants", {"name": "Noor", "email": "owner@acme.test", "time_zone": "UTC"}
    )
    assert taken.status_code == 409 and "already has an account" in taken.text
    bad_zone = await browser.submit(
        "/admin/tenants", {"name": "Noor", "email": "noor@noor.test", "time_zone": "Mars/Base"}
    )
    assert bad_zone.status_code == 422 and 'id="e-time_zone"' in bad_zone.text
    made = await browser.submit(
        "/admin/tenants",
        {"name": "Café Noor", "email": "noor@noor.test", "password": "", "time_zone": "UTC"},
    )
    assert made.status_code == 303
    tenant = await _tenant("Café Noor")
    assert made.headers["location"] == f"/admin/tenants/{tenant.id}"
    page = await browser.get(made.headers["location"])
    shown = page.text.split("Their password, shown only now: ", 1)[1].split("<", 1)[0]
    await other_browser.log_in("noor@noor.test", shown)
    assert await User.count().where(User.tenant == tenant.id) == 1


async def test_suspend_activate_and_soft_delete(browser, cast):
    await log_in_operator(browser)
    acme = await _tenant("Acme")
    page = await browser.get(f"/admin/tenants/{acme.id}")
    assert "owner@acme.test" in page.text and "agent@acme.test" in page.text
    for status, words in [
        ("SUSPENDED", "is suspended"),
        ("DELETED", "is deleted"),
        ("ACTIVE", "is active again"),
    ]:
        changed = await browser.post(f"/admin/tenants/{acme.id}/status", {"status": status})
        assert changed.status_code == 303
        assert words in (await browser.get(f"/admin/tenants/{acme.id}")).text
        assert (await _tenant("Acme")).status == status
    wrong = await browser.post(f"/admin/tenants/{acme.id}/status", {"status": "GONE"})
    assert wrong.status_code == 422


async def test_controls_switch_ai_and_whatsapp_and_set_limits_tier_and_model(browser, cast):
    await log_in_operator(browser)
    acme = await _tenant("Acme")
    form = {
        "whatsapp_enabled": "on",
        "ai_tier": "HIGH",
        "ai_model": "gpt-4o-mini",
        "ai_daily_limit": "70",
        "ai_monthly_limit": "900",
    }
    saved = await browser.submit(
        f"/admin/tenants/{acme.id}/controls", form, page=f"/admin/tenants/{acme.id}"
    )
    assert saved.status_code == 303
    acme = await _tenant("Acme")
    assert (acme.ai_enabled, acme.whatsapp_enabled) == (False, True)
    assert (acme.ai_tier, acme.ai_model, acme.ai_daily_limit) == ("HIGH", "gpt-4o-mini", 70)
    entry = await AuditEntry.objects().where(AuditEntry.event == "tenant.controls_changed").first()
    assert entry.tenant == acme.id

    upside_down = await browser.post(
        f"/admin/tenants/{acme.id}/controls", {**form, "ai_daily_limit": "1000"}
    )
    assert upside_down.status_code == 422 and 'id="e-ai_daily_limit"' in upside_down.text
    assert 'value="1000"' in upside_down.text
    not_a_number = await browser.post(
        f"/admin/tenants/{acme.id}/controls", {**form, "ai_monthly_limit": "lots"}
    )
    assert not_a_number.status_code == 422 and 'id="e-ai_monthly_limit"' in not_a_number.text
    assert (await _tenant("Acme")).ai_daily_limit == 70


async def test_a_hard_delete_needs_the_name_typed_and_erases_everything(browser, cast):
    await log_in_operator(browser)
    globex = await _tenant("Globex")
    await browser.get(f"/admin/tenants/{globex.id}")
    wrong = await browser.post(f"/admin/tenants/{globex.id}/erase", {"confirm_name": "globex"})
    assert wrong.status_code == 422 and 'id="e-confirm_name"' in wrong.text
    assert await _tenant("Globex") is not None
    erased = await browser.post(f"/admin/tenants/{globex.id}/erase", {"confirm_name": "Globex"})
    assert erased.status_code == 303 and erased.headers["location"] == "/admin/tenants"
    assert await _tenant("Globex") is None
    assert await User.count().where(User.email == "owner@globex.test") == 0
    gone = await browser.get(f"/admin/tenants/{globex.id}")
    assert gone.status_code == 404
    assert (await _tenant("Acme")).status == TenantStatus.ACTIVE
