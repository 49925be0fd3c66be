"""A team without email: invitation and reset links to copy, and visitors told whom to ask.

These tests run the app as a fresh install leaves it: no SMTP server anywhere.
"""

from datetime import timedelta

import pytest

from b2a.audit.tables import AuditEntry
from b2a.db.columns import json_value
from b2a.lib import clock
from b2a.system.platform import AccountPolicy, set_account_policy
from b2a.tenants.tables import AccountToken, User
from tests.conftest import PASSWORD
from tests.http.web._admin import log_in_operator
from tests.http.web.conftest import link_path, shown_link

OPERATOR_TEXT = ("SMTP", "B2A_", "super admin", "email is not set up")
ASK = "Ask your business's admin or the operator for a reset link."


@pytest.fixture
def settings(db, make_settings, app_home):
    """A fresh install's settings: no SMTP server."""
    return make_settings(B2A_DB_URL=db.url, B2A_HOME=str(app_home))


async def _invite(browser, email="new@acme.test"):
    response = await browser.submit(
        "/app/team/invite", {"email": email, "name": "Nadia", "role": "STAFF"}, page="/app/team"
    )
    assert response.status_code == 201, response.text
    return response


async def _member_id(email):
    return (await User.select(User.id).where(User.email == email).first())["id"]


async def test_the_owner_copies_the_link_and_the_colleague_joins_with_it_once(
    browser, other_browser, cast
):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    team = await browser.get("/app/team")
    assert "one-time link to copy" in team.text and "by email too" not in team.text
    invited = await _invite(browser)
    assert "Copy this link now and send it to new@acme.test" in invited.text
    assert "for 7 days" in invited.text and "emailed" not in invited.text
    url = shown_link(invited.text)
    token = url.split("token=")[1]
    stored = await AccountToken.select(AccountToken.token_hash).first()
    assert token not in stored["token_hash"], "only the hash is stored"
    form = await other_browser.get(link_path(url))
    assert form.status_code == 200 and "Join your team" in form.text
    joined = await other_browser.post("/accept-invite", {"token": token, "password": PASSWORD})
    assert joined.status_code == 303 and joined.headers["location"] == "/app/inbox"
    assert (await other_browser.get("/app/inbox")).status_code == 200
    again = await other_browser.client.get(link_path(url))
    assert again.status_code == 410, "the link works once"
    reused = await other_browser.post("/accept-invite", {"token": token, "password": PASSWORD})
    assert reused.status_code == 422 and "already been used" in reused.text
    audit = await AuditEntry.objects().where(AuditEntry.event == "user.invited").first()
    assert json_value(audit.detail)["emailed"] is False


async def test_an_invitation_link_expires_after_seven_days(browser, other_browser, cast):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    with clock.frozen() as frozen:
        url = shown_link((await _invite(browser)).text)
        frozen.advance(timedelta(days=7, minutes=1))
        expired = await other_browser.get(link_path(url))
    assert expired.status_code == 410 and "expired" in expired.text


async def test_a_new_link_retires_the_old_one_and_htmx_gets_just_the_row(
    browser, other_browser, cast
):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    first = shown_link((await _invite(browser)).text)
    member = await _member_id("new@acme.test")
    plain = await browser.post(f"/app/team/{member}/invitation", {})
    assert plain.status_code == 200 and "Copy this link now" in plain.text
    second = shown_link(plain.text)
    swapped = await browser.client.post(
        f"/app/team/{member}/invitation",
        headers={"HX-Request": "true", "X-CSRF-Token": browser.csrf},
    )
    assert swapped.status_code == 200
    assert swapped.text.lstrip().startswith(f'<tr id="member-{member}"')
    third = shown_link(swapped.text)
    assert len({first, second, third}) == 3
    for old in (first, second):
        assert (await other_browser.client.get(link_path(old))).status_code == 410
    assert (await other_browser.get(link_path(third))).status_code == 200


async def test_a_revoked_invitation_deletes_the_account_and_its_link(browser, other_browser, cast):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    url = shown_link((await _invite(browser)).text)
    member = await _member_id("new@acme.test")
    await browser.get("/app/team")
    revoked = await browser.post(f"/app/team/{member}/revoke", {})
    assert revoked.status_code == 303
    assert "is revoked" in (await browser.get("/app/team")).text
    assert not await User.exists().where(User.email == "new@acme.test")
    assert (await other_browser.client.get(link_path(url))).status_code == 410


async def test_a_member_who_joined_has_no_invitation_to_renew_or_revoke(browser, cast):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    page = await browser.get("/app/team")
    agent = cast.acme_agent.actor.user_id
    assert f"/app/team/{agent}/revoke" not in page.text
    for action in ("invitation", "revoke"):
        refused = await browser.post(f"/app/team/{agent}/{action}", {})
        assert refused.status_code == 409 and "has already joined" in refused.text
    assert await User.exists().where(User.id == agent)


async def test_another_tenants_invitation_answers_404(browser, cast):
    await browser.log_in(cast.globex_owner.email, PASSWORD)
    await browser.submit(
        "/app/team/invite", {"email": "g@globex.test", "role": "STAFF"}, page="/app/team"
    )
    pending = await _member_id("g@globex.test")
    await browser.client.post("/logout", data={"_csrf": browser.csrf})
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    await browser.get("/app/team")
    assert (await browser.post(f"/app/team/{pending}/invitation", {})).status_code == 404
    assert (await browser.post(f"/app/team/{pending}/revoke", {})).status_code == 404
    assert await User.exists().where(User.id == pending)


async def test_visitors_are_told_whom_to_ask_and_never_see_the_servers_setup(browser, cast):
    login = await browser.get("/login")
    assert 'href="/forgot-password"' not in login.text and ASK in login.text
    forgot = await browser.get("/forgot-password")
    assert ASK in forgot.text and 'action="/forgot-password"' not in forgot.text
    asked = await browser.post("/forgot-password", {"email": cast.acme_agent.email})
    assert asked.status_code == 403 and ASK in asked.text
    for page in (login, forgot, asked):
        assert not [word for word in OPERATOR_TEXT if word in page.text]


async def test_a_super_admin_makes_a_reset_link_from_the_tenant_page(browser, other_browser, cast):
    operator = await log_in_operator(browser)
    await set_account_policy(operator, AccountPolicy(password_reset_enabled=False))
    tenant_page = await browser.get(f"/admin/tenants/{cast.acme_owner.tenant_id}")
    assert tenant_page.text.count("Create reset link") == 2
    made = await browser.post(
        f"/admin/tenants/{cast.acme_owner.tenant_id}/reset-link", {"email": cast.acme_agent.email}
    )
    assert made.status_code == 201 and "Copy this reset link now" in made.text
    url = shown_link(made.text)
    form = await other_browser.get(link_path(url))
    assert form.status_code == 200 and "Choose a new password" in form.text
    done = await other_browser.post(
        "/reset-password", {"token": url.split("token=")[1], "password": "a brand new passphrase"}
    )
    assert done.status_code == 303 and done.headers["location"] == "/login"
    await other_browser.log_in(cast.acme_agent.email, "a brand new passphrase")
    entry = await AuditEntry.objects().where(AuditEntry.event == "user.reset_link_created").first()
    assert entry.tenant == cast.acme_owner.tenant_id and entry.actor == operator.user_id


async def test_a_reset_link_made_by_the_super_admin_works_for_a_day(browser, other_browser, cast):
    await log_in_operator(browser)
    with clock.frozen() as frozen:
        await browser.get(f"/admin/tenants/{cast.acme_owner.tenant_id}")
        made = await browser.post(
            f"/admin/tenants/{cast.acme_owner.tenant_id}/reset-link",
            {"email": cast.acme_owner.email},
        )
        assert "for 24 hours" in made.text
        url = shown_link(made.text)
        frozen.advance(timedelta(hours=23))
        assert (await other_browser.client.get(link_path(url))).status_code == 200
        frozen.advance(timedelta(hours=2))
        assert (await other_browser.client.get(link_path(url))).status_code == 410


async def test_a_tenant_admin_cannot_make_reset_links(browser, cast):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    await browser.get("/app/team")
    refused = await browser.post(
        f"/admin/tenants/{cast.acme_owner.tenant_id}/reset-link", {"email": cast.acme_agent.email}
    )
    assert refused.status_code == 403
    assert not await AccountToken.exists()


async def test_without_email_sign_up_waits_for_the_operator(browser, db):
    closed = await browser.get("/signup")
    assert closed.status_code == 403 and "Sign-up is closed" in closed.text
    await browser.get("/login")
    refused = await browser.post("/signup", {"business": "Noor Salon", "email": "noor@salon.test"})
    assert refused.status_code == 403
