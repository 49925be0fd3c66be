"""System settings: account rules, SMTP (encrypted password, test email), kill switches, growth."""

import asyncio

from b2a.system import platform, switches
from b2a.system.tables import SystemSetting
from tests.conftest import PASSWORD
from tests.fakes.smtp import PASSWORD as SMTP_PASSWORD
from tests.fakes.smtp import USERNAME as SMTP_USERNAME
from tests.http.web._admin import log_in_operator

PAGE = "/admin/settings"


async def test_account_rules_are_toggled(browser, db):
    await log_in_operator(browser)
    saved = await browser.submit(f"{PAGE}/accounts", {"password_reset_enabled": "on"}, page=PAGE)
    assert saved.status_code == 303
    policy = await platform.account_policy()
    assert not policy.signup_enabled and policy.password_reset_enabled
    assert not policy.email_verification_required
    page = await browser.get(PAGE)
    assert (
        'id="f-signup_enabled" name="signup_enabled" type="checkbox" value="on" '
        'aria-describedby="h-signup_enabled">' in page.text
    ), "unchecked"
    assert "the sign-up page answers the same for every address. It is set up." in page.text
    assert "Needs a working email server (below): it is set up" in page.text


async def test_the_smtp_password_is_stored_encrypted_and_never_shown(
    browser, db, smtp, worker, settings
):
    await log_in_operator(browser)
    form = {
        "host": "127.0.0.1",
        "port": str(smtp.port),
        "username": SMTP_USERNAME,
        "password": SMTP_PASSWORD,
        "sender": "Ops <ops@b2a.test>",
        "security": "none",
    }
    bad_port = await browser.submit(f"{PAGE}/email", {**form, "port": "70000"}, page=PAGE)
    assert bad_port.status_code == 422 and 'id="e-port"' in bad_port.text
    assert (await browser.submit(f"{PAGE}/email", form, page=PAGE)).status_code == 303
    row = await SystemSetting.objects().where(SystemSetting.key == "email").first()
    assert SMTP_PASSWORD not in str(row.value)
    page = await browser.get(PAGE)
    assert SMTP_PASSWORD not in page.text and "leave empty to keep it" in page.text
    kept = await browser.submit(f"{PAGE}/email", {**form, "password": ""}, page=PAGE)
    assert kept.status_code == 303

    sent = await browser.submit(f"{PAGE}/email/test", {"to": "me@ops.test"}, page=PAGE)
    assert sent.status_code == 303
    mail = (await smtp.wait_for("me@ops.test"))[-1]
    assert mail.subject == "b2a test email" and "ops@b2a.test" in mail.sender
    refused = await browser.submit(f"{PAGE}/email/test", {"to": "nobody"}, page=PAGE)
    assert refused.status_code == 422 and 'id="e-to"' in refused.text


async def test_the_kill_switches_flip_for_everyone(browser, other_browser, cast):
    await log_in_operator(browser)
    off = await browser.submit(f"{PAGE}/switches", {"whatsapp_enabled": "on"}, page=PAGE)
    assert off.status_code == 303
    assert not await switches.ai_enabled_globally()
    assert await switches.whatsapp_enabled_globally()
    assert "the assistant is OFF" in (await browser.get(PAGE)).text
    await other_browser.log_in(cast.acme_owner.email, PASSWORD)
    owner = await other_browser.get("/app/settings")
    assert "The platform operator has switched the assistant off." in owner.text

    await browser.submit(f"{PAGE}/switches", {"ai_enabled": "on"}, page=PAGE)
    assert await switches.ai_enabled_globally()
    assert not await switches.whatsapp_enabled_globally()


async def test_growth_tags_load_on_public_pages_only_with_their_origins(browser, other_browser, db):
    await log_in_operator(browser)
    bad = await browser.submit(
        f"{PAGE}/growth", {"enabled": "on", "google_analytics_id": "UA-1"}, page=PAGE
    )
    assert bad.status_code == 422 and 'id="e-google_analytics_id"' in bad.text
    before = await other_browser.get("/login")
    assert "googletagmanager" not in before.headers["content-security-policy"]
    saved = await browser.submit(
        f"{PAGE}/growth",
        {"enabled": "on", "google_analytics_id": "g-ab12cd34", "facebook_pixel_id": "123456789"},
        page=PAGE,
    )
    assert saved.status_code == 303
    login = await other_browser.get("/login")
    csp = login.headers["content-security-policy"]
    assert "script-src 'self' https://www.googletagmanager.com https://connect.facebook.net" in csp
    assert "https://www.google-analytics.com" in csp and "https://www.facebook.com" in csp
    assert "gtag/js?id=G-AB12CD34" in login.text and 'data-pixel="123456789"' in login.text
    panel = await browser.get("/admin")
    assert "googletagmanager" not in panel.headers["content-security-policy"]
    assert "growth.js" not in panel.text

    await browser.submit(f"{PAGE}/growth", {"google_analytics_id": "G-AB12CD34"}, page=PAGE)
    quiet = await other_browser.get("/login")
    assert "growth.js" not in quiet.text
    assert "googletagmanager" not in quiet.headers["content-security-policy"]


async def _health_recorded():
    for _ in range(100):
        health = await platform.email_health()
        if health.at:
            return health
        await asyncio.sleep(0.1)
    raise AssertionError("the worker recorded no delivery")


async def test_a_failing_email_server_stops_reset_by_email_until_an_email_goes_out(
    browser, other_browser, db, smtp, worker
):
    await log_in_operator(browser)
    form = {
        "host": "127.0.0.1",
        "port": str(smtp.port),
        "username": SMTP_USERNAME,
        "password": "not the smtp password",
        "sender": "Ops <ops@b2a.test>",
        "security": "none",
    }
    await browser.submit(f"{PAGE}/email", form, page=PAGE)
    assert "No email has gone out with these settings yet" in (await browser.get(PAGE)).text
    await browser.submit(f"{PAGE}/email/test", {"to": "me@ops.test"}, page=PAGE)
    failed = await _health_recorded()
    assert not failed.ok and "check the SMTP username" in failed.problem
    page = await browser.get(PAGE)
    assert "The last email failed" in page.text and "its last email failed" in page.text
    login = await other_browser.get("/login")
    assert 'href="/forgot-password"' not in login.text and "check the SMTP" not in login.text

    await browser.submit(f"{PAGE}/email", {**form, "password": SMTP_PASSWORD}, page=PAGE)
    assert not (await platform.email_health()).at, "a changed server starts untested"
    await browser.submit(f"{PAGE}/email/test", {"to": "me@ops.test"}, page=PAGE)
    await smtp.wait_for("me@ops.test")
    assert (await _health_recorded()).ok
    assert "The last email went out at" in (await browser.get(PAGE)).text
    assert 'href="/forgot-password"' in (await other_browser.get("/login")).text
