"""Sign-up (while the super admin allows it), email confirmation, and My account."""

import pytest

from b2a.billing.tables import Plan
from b2a.system.platform import AccountPolicy, set_account_policy
from b2a.tenants import service as tenants
from b2a.tenants.actor import Actor
from b2a.tenants.api_tokens import create_api_token
from b2a.tenants.rules import Role
from b2a.tenants.tables import ApiToken, Tenant, User
from tests.conftest import PASSWORD
from tests.http.web._admin import OPERATOR_EMAIL, log_in_operator
from tests.http.web.conftest import link_path, sign_up

OPERATOR = Actor.operator("tests")
FORM = {"business": "Noor Salon", "email": "noor@salon.test"}
GOOD = "a good long password"


async def test_sign_up_makes_nothing_until_the_emailed_link_then_opens_the_business(
    browser, db, smtp, worker
):
    free = Plan(name="Starter", is_free=True, ai_daily_limit=20, ai_monthly_limit=300)
    await free.save()
    nameless = await browser.submit("/signup", {**FORM, "business": "  "})
    assert nameless.status_code == 422 and 'id="e-business"' in nameless.text
    assert "a business name needs 1 to 120 characters" in nameless.text
    sent = await browser.submit("/signup", FORM)
    assert sent.status_code == 200 and "Check your email" in sent.text
    mail = (await smtp.wait_for(FORM["email"]))[-1]
    assert mail.subject == "Finish creating Noor Salon on b2a"
    assert not await Tenant.exists().where(Tenant.name == "Noor Salon"), "nothing before the link"
    finish = link_path(mail.links[0])
    token = finish.split("token=", 1)[1]
    form = await browser.get(finish)
    assert form.status_code == 200 and "Noor Salon" in form.text and FORM["email"] in form.text

    weak = await browser.post("/signup/finish", {"token": token, "password": "passwordpassword"})
    assert weak.status_code == 422 and 'id="e-password"' in weak.text
    assert "one word or pattern repeated is easy to guess" in weak.text
    own = await browser.post("/signup/finish", {"token": token, "password": "Noor@Salon.test"})
    assert own.status_code == 422 and "made from your email address" in own.text

    done = await browser.post("/signup/finish", {"token": token, "password": GOOD})
    assert done.status_code == 303 and done.headers["location"] == "/app"
    dashboard = await browser.get("/app")
    assert "Noor Salon" in dashboard.text and "Starter" in dashboard.text
    tenant = await Tenant.objects().where(Tenant.name == "Noor Salon").first()
    assert tenant.plan == free.id and tenant.ai_daily_limit == 20
    admin = await User.objects().where(User.email == "noor@salon.test").first()
    assert admin.role == Role.TENANT_ADMIN and admin.tenant == tenant.id
    assert admin.email_verified_at is not None, "the link proved the address"
    assert (await browser.client.get(finish)).status_code == 410, "the link works once"


def _without(text: str, *emails: str) -> str:
    for email in emails:
        text = text.replace(email, "ADDRESS")
    return text


async def test_sign_up_answers_a_taken_address_exactly_like_a_new_one(browser, cast, smtp, worker):
    await tenants.create_user(OPERATOR, OPERATOR_EMAIL, password=PASSWORD, role=Role.SUPER_ADMIN)
    taken = [cast.acme_owner.email, OPERATOR_EMAIL]
    answers = []
    for email in ["fresh@salon.test", *taken]:
        answer = await browser.submit("/signup", {**FORM, "email": email})
        answers.append((answer.status_code, _without(answer.text, email)))
    assert answers[0][0] == 200 and all(answer == answers[0] for answer in answers)

    for email in taken:
        mail = (await smtp.wait_for(email))[-1]
        assert mail.subject == "Someone tried to sign up on b2a with your address"
        assert "/login" in mail.text and "/forgot-password" in mail.text
        assert not any("/signup/finish" in link for link in mail.links), "nothing to finish"
    assert not await Tenant.exists().where(Tenant.name == "Noor Salon")
    owner = await User.objects().where(User.email == cast.acme_owner.email).first()
    assert owner.tenant == cast.acme_owner.tenant_id
    await browser.log_in(cast.acme_owner.email, PASSWORD)


async def test_two_links_for_one_new_address_make_one_account(browser, db, smtp, worker):
    for _ in range(2):
        await browser.submit("/signup", FORM)
    first, second = await smtp.wait_for(FORM["email"], count=2)
    assert (await sign_up_with(browser, first, GOOD)).status_code == 303
    again = await sign_up_with(browser, second, GOOD)
    assert again.status_code == 409 and "already has an account" in again.text
    assert await Tenant.count().where(Tenant.name == "Noor Salon") == 1


async def sign_up_with(browser, mail, password):
    finish = link_path(mail.links[0])
    token = finish.split("token=", 1)[1]
    return await browser.submit(
        "/signup/finish", {"token": token, "password": password}, page=finish
    )


async def test_sign_up_is_closed_when_the_super_admin_turns_it_off(browser, db):
    await set_account_policy(OPERATOR, AccountPolicy(signup_enabled=False))
    assert (await browser.get("/signup")).status_code == 403
    await browser.get("/login")
    refused = await browser.post("/signup", FORM)
    assert refused.status_code == 403 and "closed" in refused.text
    assert not await Tenant.exists().where(Tenant.name == "Noor Salon")


async def test_with_confirmation_required_the_signed_up_admin_logs_in_at_once(
    browser, other_browser, db, smtp, worker
):
    await set_account_policy(OPERATOR, AccountPolicy(email_verification_required=True))
    assert (await sign_up(browser, smtp, FORM, GOOD)).status_code == 303
    await other_browser.log_in(FORM["email"], GOOD)


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


async def test_my_new_password_is_judged_by_the_same_rule_and_the_reason_shown(browser, cast):
    await browser.log_in(cast.acme_agent.email, PASSWORD)
    await browser.get("/app/account")
    mine = await browser.post(
        "/app/account/password", {"current": PASSWORD, "new": "Agent@Acme.test"}
    )
    assert mine.status_code == 422 and 'id="e-new"' in mine.text
    assert "made from your email address" in mine.text
    await browser.log_in(cast.acme_agent.email, PASSWORD)  # unchanged
