"""Accounts in a real browser: sign-up, lockout, reset by email, staff kept out, CSRF, phones."""

import re

import pytest
from playwright.async_api import expect

from tests.browser.conftest import PASSWORD, local, unique_email

PHONE = 375
pytestmark = pytest.mark.slow  # starts b2a serve and b2a worker, and a browser


async def test_sign_up_lands_on_the_dashboard(visitor):
    await visitor.goto("/")
    await expect(visitor.page).to_have_url(re.compile(r"/login$"))
    await visitor.shot("login")
    await visitor.goto("/signup")
    await visitor.shot("signup")
    await visitor.sign_up("Noor Salon", unique_email("owner"))
    await expect(visitor.page.get_by_role("heading", name="Noor Salon")).to_be_visible()
    await expect(visitor.page.get_by_text("Welcome to b2a!")).to_be_visible()
    await expect(visitor.page.get_by_role("link", name="Team", exact=True)).to_be_visible()
    await visitor.shot("dashboard")


async def test_sign_up_says_why_a_password_is_refused_and_answers_a_taken_address_alike(
    visitor, new_visitor
):
    email = unique_email("owner")
    await visitor.goto("/signup")
    await visitor.page.get_by_label("Business name").fill("Weak Words")
    await visitor.page.get_by_label("Your email").fill(email)
    await visitor.page.get_by_role("button", name="Create account").click()
    await expect(visitor.page.get_by_role("heading", name="Check your email")).to_be_visible()
    answer_new = (await visitor.page.locator("main").inner_text()).replace(email, "ADDRESS")

    await visitor.finish_sign_up(email, "passwordpassword")
    error = visitor.page.locator("#e-password")
    await expect(error).to_have_text(
        "a password made of one word or pattern repeated is easy to guess; choose another."
    )
    await visitor.shot("signup-password-refused")
    await visitor.page.get_by_label("Password").fill(email)
    await visitor.page.get_by_role("button", name="Create my business").click()
    await expect(error).to_contain_text("made from your email address")
    await visitor.page.get_by_label("Password").fill("1234567890")
    await visitor.page.get_by_role("button", name="Create my business").click()
    await expect(error).to_contain_text("one of the 10,000 most used")
    await visitor.page.get_by_label("Password").fill(PASSWORD)
    await visitor.page.get_by_role("button", name="Create my business").click()
    await expect(visitor.page.get_by_role("heading", name="Weak Words")).to_be_visible()

    stranger = await new_visitor()
    await stranger.goto("/signup")
    await stranger.page.get_by_label("Business name").fill("Weak Words")
    await stranger.page.get_by_label("Your email").fill(email)
    await stranger.page.get_by_role("button", name="Create account").click()
    await expect(stranger.page.get_by_role("heading", name="Check your email")).to_be_visible()
    answer_taken = (await stranger.page.locator("main").inner_text()).replace(email, "ADDRESS")
    assert answer_taken == answer_new
    mails = await visitor.mailbox.wait_for(email, count=2)
    assert mails[-1].subject == "Someone tried to sign up on b2a with your address"


async def test_five_bad_passwords_lock_the_account(visitor):
    email = unique_email("locked")
    await visitor.sign_up("Lock Shop", email)
    await visitor.log_out()
    for _ in range(5):
        await visitor.log_in(email, "not the password")
        await expect(visitor.page.get_by_role("alert")).to_contain_text("wrong email or password")
    await visitor.log_in(email, PASSWORD)
    await expect(visitor.page.get_by_role("alert")).to_contain_text("locked after 5 failed logins")
    await expect(visitor.page).to_have_url(re.compile(r"/login$"))
    await visitor.shot("login-locked")


async def test_a_forgotten_password_is_reset_through_the_emailed_link(visitor, smtp, stack):
    email = unique_email("forgetful")
    await visitor.sign_up("Forget Me Not", email)
    await visitor.log_out()
    await visitor.page.get_by_role("link", name="Forgot your password?").click()
    await visitor.page.get_by_label("Email").fill(email)
    await visitor.shot("forgot-password")
    await visitor.page.get_by_role("button", name="Send the link").click()
    await expect(visitor.page.get_by_role("heading", name="Check your email")).to_be_visible()
    mail = (await smtp.wait_for(email, count=2))[-1]  # after the sign-up link
    assert mail.subject == "Reset your b2a password"
    await visitor.goto(local(mail.links[0], stack.base_url))
    await visitor.page.get_by_label("New password").fill("my brand new password")
    await visitor.shot("reset-password")
    await visitor.page.get_by_role("button", name="Save the new password").click()
    await expect(visitor.page.get_by_text("Your password is changed")).to_be_visible()
    await visitor.log_in(email, "my brand new password")
    await expect(visitor.page).to_have_url(re.compile(r"/app$"))
    await visitor.goto(local(mail.links[0], stack.base_url))
    await expect(visitor.page.get_by_role("heading")).to_contain_text("does not work any more")


async def test_invited_staff_set_a_password_and_see_no_admin_pages(
    visitor, new_visitor, smtp, stack
):
    await visitor.sign_up("Team Bakery", unique_email("boss"))
    await visitor.page.get_by_role("link", name="Team", exact=True).click()
    staff_email = unique_email("baker")
    await visitor.page.get_by_label("Email").fill(staff_email)
    await visitor.page.get_by_label("Name", exact=True).fill("Bilal")
    await visitor.page.get_by_label("Role", exact=True).select_option("STAFF")
    await visitor.page.get_by_role("button", name="Invite").click()
    await expect(visitor.page.get_by_text("We have emailed it to them too.")).to_be_visible()
    await expect(visitor.page.get_by_text("invitation pending")).to_be_visible()
    await visitor.shot("team")

    mail = (await smtp.wait_for(staff_email))[-1]
    staff = await new_visitor()
    await staff.goto(local(mail.links[0], stack.base_url))
    await staff.page.get_by_label("New password").fill("staff member password")
    await staff.shot("accept-invite")
    await staff.page.get_by_role("button", name="Set password and sign in").click()
    await expect(staff.page).to_have_url(re.compile(r"/app/inbox$"))
    nav = staff.page.get_by_role("navigation", name="Main")
    await expect(nav.get_by_role("link", name="Dashboard")).to_be_visible()
    for hidden in ("Team", "Settings", "Billing"):
        await expect(nav.get_by_role("link", name=hidden, exact=True)).to_have_count(0)
    await staff.shot("staff-dashboard")
    for path in ("/app/team", "/app/settings", "/app/billing"):
        response = await staff.goto(path)
        assert response.status in (403, 404), (path, response.status)
    await staff.shot("staff-refused")
    assert staff.problems == []

    await visitor.page.reload()
    row = visitor.page.get_by_role("row", name=re.compile("Bilal"))
    await row.get_by_label(re.compile("Role of")).select_option("TENANT_ADMIN")
    await row.get_by_role("button", name="Save").click()
    await expect(visitor.page.get_by_role("status").filter(has_text="Saved")).to_be_visible()


async def test_a_form_posted_without_its_csrf_token_is_refused(visitor):
    await visitor.sign_up("Csrf Corner", unique_email("csrf"))
    await visitor.goto("/app/account")
    await visitor.page.locator('form[action="/app/account/tokens"] input[name="_csrf"]').evaluate(
        "field => field.remove()"
    )
    await visitor.page.get_by_label("Token name").fill("no token")
    async with visitor.page.expect_response("**/app/account/tokens") as answer:
        await visitor.page.get_by_role("button", name="Create token").click()
    assert (await answer.value).status == 403
    await expect(visitor.page.get_by_text("CSRF_FAILED")).to_be_visible()
    visitor.problems.clear()  # the browser logs the 403 itself


async def test_an_api_token_is_shown_once(visitor):
    await visitor.sign_up("Token Traders", unique_email("tokens"))
    await visitor.goto("/app/account")
    await visitor.page.get_by_label("Token name").fill("crm sync")
    await visitor.page.get_by_role("button", name="Create token").click()
    token = await visitor.page.locator("#new-token").text_content()
    assert token.startswith("b2a_")
    await visitor.shot("account-new-token")
    await visitor.goto("/app/account")
    await expect(visitor.page.get_by_text(token)).to_have_count(0)
    await expect(visitor.page.get_by_role("cell", name="crm sync")).to_be_visible()


async def test_the_layout_fits_a_375_px_screen(visitor, new_visitor):
    phone = await new_visitor(PHONE)
    for path in ("/login", "/signup", "/forgot-password"):
        await phone.goto(path)
        assert await _page_width(phone) <= PHONE, path
    await phone.sign_up(
        "Tiny Screen Tailors with a Rather Long Business Name", unique_email("phone")
    )
    for name, path in (("dashboard", "/app"), ("team", "/app/team"), ("account", "/app/account")):
        await phone.goto(path)
        assert await _page_width(phone) <= PHONE, path
        await phone.shot(f"phone-{name}")
    assert phone.problems == []


async def _page_width(visitor):
    return await visitor.page.evaluate("document.documentElement.scrollWidth")
