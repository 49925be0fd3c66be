"""One reply per turn, seen in the sandbox page: "hi" outside hours gets one bubble.

The greeting, the away notice and the assistant's answer arrive as one message
(``assistant/lead.py``), its paragraphs kept.
"""

import re
import uuid

import pytest
from playwright.async_api import expect

from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant, WorkingHours
from tests.browser.conftest import unique_email

pytestmark = pytest.mark.slow  # starts b2a serve and b2a worker, and a browser

GREETING = "Assalam o alaikum! Welcome to Noor Salon."
AWAY = "We are closed right now; our team is back at 10."


async def test_hi_outside_hours_is_one_bubble_greeting_away_then_answer(visitor, stack_db):
    page = visitor.page
    name = f"Noor Salon {uuid.uuid4().hex[:6]}"
    await visitor.sign_up(name, unique_email("noor"))
    tenant = await Tenant.objects().where(Tenant.name == name).first()
    await Tenant.update({Tenant.greeting_message: GREETING, Tenant.away_message: AWAY}).where(
        Tenant.id == tenant.id
    )
    scope = TenantScope(tenant.id)
    for weekday in range(7):
        await scope.new(WorkingHours, weekday=weekday, closed=True).save()

    await page.get_by_role("navigation", name="Main").get_by_role("link", name="WhatsApp").click()
    await page.get_by_role("button", name="Open the sandbox").click()
    await expect(page).to_have_url(re.compile(r"/app/sandbox"))
    await page.get_by_label("Message as the customer").fill("hi")
    await page.get_by_role("button", name="Send").click()

    answers = page.locator(".bubble.theirs")
    await expect(answers.first).to_contain_text("How can I help you?")
    await expect(answers).to_have_count(1)
    text = await answers.first.inner_text()
    assert text.index(GREETING) < text.index(AWAY) < text.index("How can I help you?")
    await visitor.shot("sandbox-one-reply-per-turn")
