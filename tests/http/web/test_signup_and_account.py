"""Sign-up (while the super admin allows it), email confirmation, and My account."""

import pytest

from b2a.billing.tables import Plan
from b2a.system.platform import AccountPolicy, set_account_policy
from b2a.tenants.actor import Actor
from b2a.tenants.api_tokens import create_api_token
from b2a.tenants.rules import Role
from b2a.tenants.tables import ApiToken, Tenant, User
from tests.conftest import PASSWORD
from tests.http.web._admin import log_in_operator
from tests.http.web.conftest import link_path

OPERATOR = Actor.operator("tests")
FORM = {"business": "Noor Salon", "email": "noor@salon.test", "password": "a good long password"}


async def test_sign_up_creates_a_business_on_the_free_plan_and_logs_its_admin_in(browser, db):
    free = Plan(name="Starter", is_free=True, ai_daily_limit=20, ai_monthly_limit=300)
    await free.save()
    response = await browser.submit("/signup", FORM)
    assert response.status_code == 303 and response.headers["location"] == "/app"
    dashboard = await browser.get("/app")
    assert "Noor Salon" in dashboard.text and "Starter" in dashboard.text
    tenant = await Tenant.objects().where(Tenant.name == "Noor Salon").first()
    assert tenant.plan == free.id and tenant.ai_daily_limit == 20
    admin = await User.objects().where(User.email == "noor@salon.test").first()
    assert admin.role == Role.TENANT_ADMIN and admin.tenant == tenant.id


async def test_sign_up_refuses_a_taken_address(browser, cast):
    taken = await browser.submit("/signup", {**FORM, "email": cast.acme_owner.email})
    assert taken.status_code == 409 and "already has an account" in taken.text


async def test_sign_up_is_closed_when_the_super_admin_turns_it_off(browser, db):
    await set_account_policy(OPERATOR, AccountPolicy(signup_enabled=False))
    assert (await browser.get("/signup")).status_code == 403
    await browser.get("/login")
    refused = await browser.post("/signup", FORM)
    assert refused.status_code == 403 and "closed" in refused.text
    assert not await Tenant.exists().where(Tenant.name == "Noor Salon")


async def test_with_confirmation_required_the_admin_logs_in_after_the_emailed_link(
    browser, db, smtp, worker
):
    await set_account_policy(OPERATOR, AccountPolicy(email_verification_required=True))
    waiting = await browser.submit("/signup", FORM)
    assert waiting.status_code == 200 and "Check your email" in waiting.text
    refused = await browser.submit("/login", {"email": FORM["email"], "password": FORM["password"]})
    assert refused.status_code == 403 and "confirm your email" in refused.text
    mail = (await smtp.wait_for(FORM["email"]))[0]
    assert mail.subject == "Confirm your email address for b2a"
    confirmed = await browser.get(link_path(mail.links[0]))
    assert confirmed.status_code == 303
    await browser.log_in(FORM["email"], FORM["password"])


async def test_my_api_token_is_shown_once_listed_and_revocable(browser, client, cast):
    await browser.log_in(cast.acme_agent.email, PASSWORD)
    await browser.get("/app/account")
    created = await browser.post("/app/account/tokens", {"name": "crm sync"})
    assert created.status_code == 201
    token = created.text.split('id="new-token">')[1].split("<")[0]
    assert token.startswith("b2a_")
    listed = await browser.get("/app/account")
    assert "crm sync" in listed.text and token not in listed.text
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/v1/conversations", headers=headers)).status_code == 200
    row = await ApiToken.objects().where(ApiToken.name == "crm sync").first()
    revoked = await browser.post(f"/app/account/tokens/{row.id}/revoke", {})
    assert revoked.status_code == 303
    assert (await client.get("/api/v1/conversations", headers=headers)).status_code == 401


async def test_a_super_admin_makes_a_token_on_my_account_for_the_admin_api(browser, client, cast):
    await log_in_operator(browser)
    page = await browser.get("/app/account")
    assert "/api/v1/admin" in page.text
    created = await browser.post("/app/account/tokens", {"name": "ops script"})
    assert created.status_code == 201
    token = created.text.split('id="new-token">')[1].split("<")[0]
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/v1/admin/ai", headers=headers)).status_code == 200
    row = await ApiToken.objects().where(ApiToken.name == "ops script").first()
    assert (await browser.post(f"/app/account/tokens/{row.id}/revoke", {})).status_code == 303
    assert (await client.get("/api/v1/admin/ai", headers=headers)).status_code == 401


async def test_someone_elses_token_answers_404(browser, cast):
    theirs = await create_api_token(OPERATOR, cast.acme_owner.email, name="owner's")
    await browser.log_in(cast.acme_agent.email, PASSWORD)
    await browser.get("/app/account")
    assert (await browser.post(f"/app/account/tokens/{theirs.id}/revoke", {})).status_code == 404
    row = await ApiToken.objects().where(ApiToken.id == theirs.id).first()
    assert row.revoked_at is None


async def test_changing_my_password_signs_out_my_other_browsers(browser, other_browser, cast):
    await other_browser.log_in(cast.acme_agent.email, PASSWORD)
    await browser.log_in(cast.acme_agent.email, PASSWORD)
    await browser.get("/app/account")
    wrong = await browser.post("/app/account/password", {"current": "nope", "new": "x" * 12})
    assert wrong.status_code == 401
    changed = await browser.post(
        "/app/account/password", {"current": PASSWORD, "new": "another good passphrase"}
    )
    assert changed.status_code == 303
    assert (await browser.get("/app/account")).status_code == 200, "this browser stays in"
    assert (await other_browser.get("/app")).status_code == 303, "the other one is out"


@pytest.mark.parametrize("path", ["/app", "/app/account", "/app/team"])
async def test_pages_behind_login_send_visitors_to_the_login_page(browser, db, path):
    response = await browser.get(path)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
