"""The super admin's AI page in a real browser: add a provider, test it, give a tier models."""

import pytest
from playwright.async_api import expect

from b2a.assistant.ai_settings import load_ai_settings
from b2a.lib.crypto import SecretBox
from b2a.settings import load_settings
from b2a.tenants import service as tenants
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role
from tests.browser.conftest import PASSWORD, unique_email
from tests.fakes.openai_api import API_KEY, FakeOpenAI

pytestmark = pytest.mark.slow  # starts b2a serve and b2a worker, and a browser


async def test_a_super_admin_adds_tests_and_assigns_a_provider(visitor, stack, stack_db):
    email = unique_email("op")
    await tenants.create_user(
        Actor.operator("browser tests"), email, password=PASSWORD, role=Role.SUPER_ADMIN
    )
    await visitor.log_in(email, PASSWORD)
    await visitor.page.wait_for_url("**/admin")  # a super admin's /app is the admin panel
    page = visitor.page
    with FakeOpenAI() as fake:
        await visitor.goto("/admin/ai")
        new = page.locator("section", has=page.get_by_role("heading", name="Add a provider"))
        await new.get_by_label("Name").fill("fake")
        await new.get_by_label("Base URL").fill(fake.base_url)
        await new.get_by_label("API key").fill(API_KEY)
        await new.get_by_label("Prices").fill("fake-small 150 600")
        await new.get_by_role("button", name="Add the provider").click()
        await expect(page.get_by_text("Provider fake is saved")).to_be_visible()
        await expect(page.get_by_text(f"Stored: ••••••••{API_KEY[-4:]}")).to_be_visible()

        await page.get_by_role("button", name="Test fake").click()
        await expect(page.get_by_text("fake answers: 2 models")).to_be_visible()

        await page.locator("#f-provider-LOW").select_option("fake")
        await page.locator("#f-models-LOW").fill("fake-small, fake-large")
        await page.get_by_role("button", name="Save the tiers").click()
        await expect(page.get_by_text("The tiers' models are saved")).to_be_visible()
        await visitor.shot("admin-ai")
    assert API_KEY not in await page.content()
    settings = await load_ai_settings(SecretBox(load_settings(stack.env).core.encryption_key))
    assert settings.tiers["LOW"].models == ["fake-small", "fake-large"]
    assert settings.providers[0].api_key == API_KEY
