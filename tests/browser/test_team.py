"""A team without email, in a real browser: the owner copies an invitation link, a colleague joins.

The stack here is a fresh install's: no SMTP server anywhere, so the link on
the team page is the only way in, and visitors are told whom to ask for a reset.
"""

import re

import pytest
from playwright.async_api import expect

from tests.browser.conftest import local, unique_email

pytestmark = pytest.mark.slow  # starts b2a serve and b2a worker, and a browser
ASK = "Ask your business's admin or the operator for a reset link."


@pytest.fixture(scope="module")
def stack_email() -> dict[str, str]:
    """A fresh install has no email."""
    return {}


async def test_the_owner_copies_an_invitation_link_and_the_colleague_lands_in_the_inbox(
    visitor, new_visitor, stack
):
    await visitor.page.context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=stack.base_url
    )
    await visitor.sign_up("Copy Cafe", unique_email("owner"))
    await visitor.page.get_by_role("link", name="Team", exact=True).click()
    colleague = unique_email("barista")
    await visitor.page.get_by_label("Email").fill(colleague)
    await visitor.page.get_by_label("Name", exact=True).fill("Bilal")
    await visitor.page.get_by_label("Role", exact=True).select_option("STAFF")
    await visitor.page.get_by_role("button", name="Invite").click()
    await expect(visitor.page.get_by_text(f"send it to {colleague}")).to_be_visible()
    await expect(visitor.page.get_by_text("emailed")).to_have_count(0)
    field = visitor.page.get_by_label("Invitation link")
    await expect(field).to_have_attribute("readonly", "")
    await visitor.page.get_by_role("button", name="Copy", exact=True).click()
    await expect(visitor.page.get_by_role("button", name="Copied")).to_be_visible()
    copied = await visitor.page.evaluate("navigator.clipboard.readText()")
    assert copied == await field.input_value()
    await visitor.shot("team-invitation-link")

    barista = await new_visitor()
    await barista.goto(local(copied, stack.base_url))
    await barista.page.get_by_label("New password").fill("barista password here")
    await barista.page.get_by_role("button", name="Set password and sign in").click()
    await expect(barista.page).to_have_url(re.compile(r"/app/inbox$"))
    await expect(barista.page.get_by_role("heading", name="Inbox")).to_be_visible()
    assert barista.problems == []

    await visitor.page.reload()
    row = visitor.page.get_by_role("row", name=re.compile("Bilal"))
    await expect(row.get_by_text("invitation pending")).to_have_count(0)
    await expect(visitor.page.get_by_label("Invitation link")).to_have_count(0)


async def test_a_new_link_replaces_the_row_in_place_and_the_old_one_stops(
    visitor, new_visitor, stack
):
    await visitor.sign_up("Renew Rugs", unique_email("owner"))
    await visitor.goto("/app/team")
    colleague = unique_email("weaver")
    await visitor.page.get_by_label("Email").fill(colleague)
    await visitor.page.get_by_role("button", name="Invite").click()
    first = await visitor.page.get_by_label("Invitation link").input_value()
    await visitor.goto("/app/team")
    row = visitor.page.get_by_role("row", name=re.compile(re.escape(colleague)))
    await row.get_by_role("button", name="Copy a new link").click()
    second = await row.get_by_label("Invitation link").input_value()
    assert second != first and visitor.page.url.endswith("/app/team")
    other = await new_visitor()
    await other.goto(local(first, stack.base_url))
    await expect(other.page.get_by_role("heading")).to_contain_text("does not work any more")
    other.problems.clear()  # the browser logs the 410 itself


async def test_visitors_are_told_whom_to_ask_for_a_reset_link(visitor):
    await visitor.goto("/login")
    await expect(visitor.page.get_by_text(ASK)).to_be_visible()
    await expect(visitor.page.get_by_role("link", name="Forgot your password?")).to_have_count(0)
    await visitor.goto("/forgot-password")
    await expect(visitor.page.get_by_text(ASK)).to_be_visible()
    await expect(visitor.page.get_by_text("SMTP")).to_have_count(0)
    await visitor.shot("forgot-password-without-email")
