"""FAQ synonyms in a real browser: added on the FAQ editor, understood in the sandbox.

The owner writes an FAQ entry and, on its edit page, another way customers ask
it; a sandbox customer who asks in those words gets the entry's answer from the
assistant on the live ``b2a serve`` + ``b2a worker``.
"""

import uuid

import pytest
from playwright.async_api import expect

from b2a.catalog.tables import FaqEntry
from tests.browser.conftest import unique_email

pytestmark = pytest.mark.slow  # starts b2a serve and b2a worker, and a browser

QUESTION = "What file format should I send?"
ANSWER = "PDF is best; a sharp JPG also works."
SYNONYM = "pdf chalegi"


async def test_a_synonym_added_on_the_faq_page_is_understood_in_the_sandbox(visitor, stack_db):
    await visitor.sign_up(f"Print Point {uuid.uuid4().hex[:6]}", unique_email("owner"))
    page = visitor.page
    await visitor.goto("/app/services")
    add = page.locator("#add-faq")
    await add.get_by_label("Question").fill(QUESTION)
    await add.get_by_label("Answer").fill(ANSWER)
    await add.get_by_role("button", name="Add to the FAQ").click()
    await expect(page.locator("#faq")).to_contain_text(ANSWER)

    await page.locator("#faq").get_by_role("link", name=QUESTION).click()
    await page.get_by_label("Other ways customers ask it").fill(f"{SYNONYM}, file kis format mein")
    await page.get_by_role("button", name="Save the entry").click()
    await expect(page.locator("#faq")).to_contain_text(f"Also: {SYNONYM}, file kis format mein")
    await visitor.shot("faq-synonyms")
    entry = await FaqEntry.objects().where(FaqEntry.question == QUESTION).first()
    assert entry is not None and SYNONYM in entry.synonyms

    await visitor.goto("/app/sandbox")
    await page.get_by_label("Message as the customer").fill("PDF chalegi?")
    await page.get_by_role("button", name="Send").click()
    await expect(page.locator(".bubble.theirs").first).to_contain_text(ANSWER)
    await visitor.shot("sandbox-faq-synonym")
