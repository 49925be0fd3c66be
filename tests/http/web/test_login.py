"""Lockout, the per-IP limit and the audit trail of failed logins."""

from datetime import timedelta

from b2a.audit.tables import AuditEntry
from b2a.lib import clock
from b2a.tenants.rules import TenantStatus
from b2a.tenants.tables import Tenant, User
from tests.conftest import PASSWORD


async def _failed_reasons(email):
    rows = (
        await AuditEntry.select(AuditEntry.detail, AuditEntry.ip)
        .where((AuditEntry.event == "login.failed") & (AuditEntry.actor_label == email))
        .output(load_json=True)
    )
    return [(row["detail"]["reason"], row["ip"]) for row in rows]


async def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(browser, cast):
    email = cast.acme_agent.email
    for _ in range(5):
        wrong = await browser.submit("/login", {"email": email, "password": "not my password"})
        assert wrong.status_code == 401 and "wrong email or password" in wrong.text
    locked = await browser.submit("/login", {"email": email, "password": PASSWORD})
    assert locked.status_code == 429 and "locked" in locked.text
    reasons = await _failed_reasons(email)
    assert [r for r, _ in reasons].count("wrong_password") == 5 and (
        "locked",
        "127.0.0.1",
    ) in reasons
    assert await AuditEntry.exists().where(AuditEntry.event == "login.locked")


async def test_the_lock_lifts_after_15_minutes(browser, cast):
    email = cast.acme_agent.email
    with clock.frozen() as frozen:
        for _ in range(5):
            await browser.submit("/login", {"email": email, "password": "not my password"})
        frozen.advance(timedelta(minutes=14))
        assert (
            await browser.submit("/login", {"email": email, "password": PASSWORD})
        ).status_code == 429
        frozen.advance(timedelta(minutes=2))
        assert (
            await browser.submit("/login", {"email": email, "password": PASSWORD})
        ).status_code == 303


async def test_failures_older_than_15_minutes_do_not_count(browser, cast):
    email = cast.acme_agent.email
    with clock.frozen() as frozen:
        for _ in range(4):
            await browser.submit("/login", {"email": email, "password": "not my password"})
        frozen.advance(timedelta(minutes=16))
        await browser.submit("/login", {"email": email, "password": "not my password"})
        assert (
            await browser.submit("/login", {"email": email, "password": PASSWORD})
        ).status_code == 303


async def test_unknown_addresses_fail_like_wrong_passwords_and_lock_too(browser, cast):
    for _ in range(5):
        response = await browser.submit(
            "/login", {"email": "ghost@acme.test", "password": "x" * 12}
        )
        assert response.status_code == 401 and "wrong email or password" in response.text
    assert (
        await browser.submit("/login", {"email": "ghost@acme.test", "password": "y"})
    ).status_code == 429
    assert ("unknown_email", "127.0.0.1") in await _failed_reasons("ghost@acme.test")


async def test_a_deactivated_user_or_suspended_business_cannot_log_in(browser, cast):
    await User.update({User.is_active: False}).where(User.email == cast.acme_agent.email)
    refused = await browser.submit("/login", {"email": cast.acme_agent.email, "password": PASSWORD})
    assert refused.status_code == 403 and "deactivated" in refused.text
    await Tenant.update({Tenant.status: TenantStatus.SUSPENDED}).where(
        Tenant.id == cast.globex_owner.tenant_id
    )
    refused = await browser.submit(
        "/login", {"email": cast.globex_owner.email, "password": PASSWORD}
    )
    assert refused.status_code == 403 and "suspended" in refused.text


async def test_a_session_ends_when_its_user_is_deactivated(browser, cast):
    await browser.log_in(cast.acme_agent.email, PASSWORD)
    await User.update({User.is_active: False}).where(User.email == cast.acme_agent.email)
    response = await browser.get("/app")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


async def test_login_goes_back_to_the_page_asked_for_but_never_to_another_site(browser, cast):
    response = await browser.get("/app/team")
    assert response.headers["location"] == "/login?next=/app/team"
    await browser.get(response.headers["location"])
    arrived = await browser.post(
        "/login", {"email": cast.acme_owner.email, "password": PASSWORD, "next": "/app/team"}
    )
    assert arrived.headers["location"] == "/app/team"
    await browser.get("/app/team")
    await browser.post("/logout", {})
    await browser.get("/login")
    elsewhere = await browser.post(
        "/login", {"email": cast.acme_owner.email, "password": PASSWORD, "next": "//evil.test/x"}
    )
    assert elsewhere.headers["location"] == "/app"
