"""Saved replies and labels made on their pages and used in the inbox; the phone menu.

A real browser on a live ``b2a serve`` + ``b2a worker``: the owner makes a
saved reply and a label through the pages alone, answers a sandbox customer
with ``/shortcut`` and puts the label on the conversation, whose chip shows the
chosen colour; on a phone the menu folds behind one button.
"""

import uuid

import pytest
from playwright.async_api import expect

from tests.browser.conftest import PASSWORD, unique_email

PHONE = 375
GREEN = "rgb(22, 163, 74)"  # PALETTE["green"], #16a34a
pytestmark = pytest.mark.slow  # starts b2a serve and b2a worker, and a browser


async def _menu(visitor, name: str) -> None:
    await visitor.page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()


async def test_a_saved_reply_and_a_label_made_on_their_pages_work_in_the_inbox(visitor, stack_db):
    await visitor.sign_up(f"Reply Salon {uuid.uuid4().hex[:6]}", unique_email("owner"))
    page = visitor.page

    await _menu(visitor, "Saved replies")
    await page.get_by_label("Shortcut").fill("hours")
    await page.get_by_label("Text sent to the customer").fill("We open at 10 and close at 8.")
    await page.get_by_role("button", name="Save the reply").click()
    await expect(page.get_by_text("The saved reply /hours is ready")).to_be_visible()
    await expect(page.locator("table.replies")).to_contain_text("We open at 10")
    await visitor.shot("saved-replies")

    await _menu(visitor, "Labels")
    await page.get_by_label("Name", exact=True).fill("VIP")
    await page.get_by_label("Colour", exact=True).select_option(label="green")
    await page.get_by_role("button", name="Add the label").click()
    chip = page.locator(".label-row .badge.label")
    await expect(chip).to_have_text("VIP")
    await expect(chip).to_have_css("border-top-color", GREEN)

    await visitor.goto("/app/sandbox")
    await page.get_by_label("Message as the customer").fill("What are your timings?")
    await page.get_by_role("button", name="Send").click()
    # The worker stores the customer's message; on a busy machine that takes a few seconds.
    await expect(page.locator(".bubble.mine")).to_contain_text("timings", timeout=30_000)
    await _menu(visitor, "Inbox")
    await page.locator(".conv a").first.click()
    await expect(page.locator(".msg-inbound")).to_contain_text("timings")

    hint = page.locator("#h-text").get_by_role("link", name="saved reply")
    await expect(hint).to_have_attribute("href", "/app/replies")
    await page.get_by_label("Insert a saved reply").select_option(label="/hours")
    await expect(page.locator("#f-text")).to_have_value("We open at 10 and close at 8.")
    await page.locator("#f-text").fill("/hours")
    await page.get_by_role("button", name="Send", exact=True).click()
    await expect(page.locator(".msg-outbound").last).to_contain_text(
        "We open at 10 and close at 8."
    )

    await page.locator("#f-add-label").select_option(label="VIP")
    await page.get_by_role("button", name="Add the label").click()
    thread_chip = page.locator(".inbox-details .badge.label")
    await expect(thread_chip).to_have_text("VIP")
    await expect(thread_chip).to_have_css("border-top-color", GREEN)
    await expect(page.locator(".conv .badge.label")).to_have_css("border-top-color", GREEN)
    await visitor.shot("inbox-saved-reply-and-label")

    await _menu(visitor, "Labels")
    await page.get_by_text("Delete VIP…").click()
    await expect(
        page.get_by_text("VIP is on 1 conversation: deleting it takes it off it.")
    ).to_be_visible()
    await visitor.shot("labels-delete")
    await page.get_by_role("button", name="Delete VIP for good").click()
    await expect(page.get_by_text("No labels yet.")).to_be_visible()


async def test_the_menu_folds_behind_one_button_on_a_phone(visitor, new_visitor, stack_db):
    email = unique_email("owner")
    await visitor.sign_up(f"Menu Shop {uuid.uuid4().hex[:6]}", email)
    desktop = visitor.page
    await expect(desktop.locator(".menu > summary")).to_be_hidden()
    nav = desktop.get_by_role("navigation", name="Main")
    await expect(nav.get_by_role("link", name="Labels")).to_be_visible()
    assert (await desktop.locator(".top").bounding_box())["height"] < 120

    phone = await new_visitor(PHONE)
    await phone.log_in(email, PASSWORD)
    await phone.page.wait_for_url("**/app")
    menu = phone.page.get_by_text("Menu", exact=True)
    links = phone.page.get_by_role("navigation", name="Main").get_by_role("link", name="Inbox")
    await expect(menu).to_be_visible()
    await expect(links).to_be_hidden()
    header = await phone.page.locator(".top").bounding_box()
    assert header["height"] < 80, header  # the brand and one button, not 15 wrapped links
    await phone.shot("menu-phone-folded")

    await phone.page.locator(".menu > summary").focus()
    await phone.page.keyboard.press("Enter")
    await expect(links).to_be_visible()
    assert await phone.page.evaluate("document.documentElement.scrollWidth") <= PHONE
    await phone.shot("menu-phone-open")
    await links.click()
    await phone.page.wait_for_url("**/app/inbox")
    await expect(links).to_be_hidden()
    assert phone.problems == []
