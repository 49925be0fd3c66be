"""Forgotten passwords: the emailed link works once, expires, and ends every session."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from b2a.errors import Invalid
from b2a.lib import clock
from b2a.system.platform import AccountPolicy, set_account_policy
from b2a.tenants.actor import Actor
from b2a.tenants.links import issue_link_token, redeem_link_token
from b2a.tenants.rules import TokenPurpose
from b2a.tenants.tables import AccountToken, User
from tests.conftest import PASSWORD
from tests.http.web.conftest import link_path

NEW_PASSWORD = "a brand new passphrase"


async def test_a_reset_link_arrives_by_email_and_sets_a_new_password(
    browser, other_browser, cast, smtp, worker
):
    email = cast.acme_owner.email
    await other_browser.log_in(email, PASSWORD)
    asked = await browser.submit("/forgot-password", {"email": email})
    assert asked.status_code == 200 and "Check your email" in asked.text
    mail = (await smtp.wait_for(email))[-1]
    assert mail.subject == "Reset your b2a password" and mail.sender == "no-reply@b2a.test"
    [url] = mail.links
    token = parse_qs(urlsplit(url).query)["token"][0]
    stored = await AccountToken.select(AccountToken.token_hash).first()
    assert token not in stored["token_hash"], "only the hash is stored"
    form = await browser.get(link_path(url))
    assert form.status_code == 200 and "Choose a new password" in form.text
    done = await browser.post("/reset-password", {"token": token, "password": NEW_PASSWORD})
    assert done.status_code == 303 and done.headers["location"] == "/login"
    assert (await other_browser.get("/app")).status_code == 303, "the old session ended"
    await browser.log_in(email, NEW_PASSWORD)
    again = await browser.client.get(link_path(url))
    assert again.status_code == 410, "the link works once"


async def test_unknown_addresses_get_the_same_answer_and_no_email(browser, cast, smtp, worker):
    answers = []
    for email in ("nobody@acme.test", cast.acme_owner.email):
        asked = await browser.submit("/forgot-password", {"email": email})
        answers.append((asked.status_code, asked.text.replace(email, "ADDRESS")))
    assert answers[0] == answers[1] and answers[0][0] == 200
    assert "Check your email" in answers[0][1]
    await smtp.wait_for(cast.acme_owner.email)
    assert not [mail for mail in smtp.received if "nobody@acme.test" in mail.recipients]


async def test_a_reset_token_is_single_use(cast):
    user_id = cast.acme_agent.actor.user_id
    token = await issue_link_token(user_id, TokenPurpose.RESET)
    assert await redeem_link_token(token, TokenPurpose.RESET) == user_id
    with pytest.raises(Invalid) as used:
        await redeem_link_token(token, TokenPurpose.RESET)
    assert used.value.code == "LINK_INVALID"


async def test_a_reset_token_expires_after_an_hour(cast):
    user_id = cast.acme_agent.actor.user_id
    with clock.frozen() as frozen:
        token = await issue_link_token(user_id, TokenPurpose.RESET)
        frozen.advance(timedelta(minutes=61))
        with pytest.raises(Invalid):
            await redeem_link_token(token, TokenPurpose.RESET)


async def test_a_token_is_only_good_for_its_purpose_and_a_newer_one_retires_it(cast):
    user_id = cast.acme_agent.actor.user_id
    first = await issue_link_token(user_id, TokenPurpose.RESET)
    with pytest.raises(Invalid):
        await redeem_link_token(first, TokenPurpose.INVITE)
    second = await issue_link_token(user_id, TokenPurpose.RESET)
    with pytest.raises(Invalid):
        await redeem_link_token(first, TokenPurpose.RESET)
    assert await redeem_link_token(second, TokenPurpose.RESET) == user_id


async def test_a_weak_new_password_does_not_use_up_the_link(browser, cast):
    token = await issue_link_token(cast.acme_agent.actor.user_id, TokenPurpose.RESET)
    await browser.get(f"/reset-password?token={token}")
    weak = await browser.post("/reset-password", {"token": token, "password": "short"})
    assert weak.status_code == 422 and "at least 10 characters" in weak.text
    done = await browser.post("/reset-password", {"token": token, "password": NEW_PASSWORD})
    assert done.status_code == 303


async def test_a_reset_lifts_a_lockout(browser, cast):
    email = cast.acme_agent.email
    for _ in range(5):
        await browser.submit("/login", {"email": email, "password": "not my password"})
    token = await issue_link_token(cast.acme_agent.actor.user_id, TokenPurpose.RESET)
    await browser.submit(
        "/reset-password",
        {"token": token, "password": NEW_PASSWORD},
        page=f"/reset-password?token={token}",
    )
    user = await User.objects().where(User.email == email).first()
    assert user.email_verified_at is not None, "the link proved the inbox"
    await browser.log_in(email, NEW_PASSWORD)


async def test_with_email_the_login_page_offers_reset_by_email_until_it_is_turned_off(
    browser, cast
):
    login = await browser.get("/login")
    assert 'href="/forgot-password"' in login.text and "Ask your business" not in login.text
    forgot = await browser.get("/forgot-password")
    assert 'action="/forgot-password"' in forgot.text
    await set_account_policy(Actor.operator("tests"), AccountPolicy(password_reset_enabled=False))
    login = await browser.get("/login")
    assert 'href="/forgot-password"' not in login.text
    assert "Ask your business's admin or the operator for a reset link." in login.text
    asked = await browser.post("/forgot-password", {"email": cast.acme_agent.email})
    assert asked.status_code == 403 and "SMTP" not in asked.text
