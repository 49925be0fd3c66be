"""The super admin's AI page and /api/v1/admin/ai: providers, tiers, tests; tenant roles refused."""

import pytest

from b2a.assistant.ai_settings import load_ai_settings
from b2a.lib.crypto import SecretBox
from b2a.system.tables import SystemSetting
from b2a.tenants import service as tenants
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role
from b2a.tenants.tables import Tenant
from tests.conftest import PASSWORD
from tests.fakes.openai_api import API_KEY, FakeOpenAI

OPERATOR = Actor.operator("tests")


@pytest.fixture
async def super_admin(browser, cast):
    await tenants.create_user(OPERATOR, "op@b2a.test", password=PASSWORD, role=Role.SUPER_ADMIN)
    await browser.log_in("op@b2a.test", PASSWORD)
    return browser


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


def _provider(fake, **changes):
    return {
        "name": "fake",
        "base_url": fake.base_url,
        "api_key": API_KEY,
        "timeout": "5",
        "prices": "fake-small 150 600",
        **changes,
    }


async def test_a_super_admin_adds_a_provider_whose_key_is_stored_encrypted_and_shown_masked(
    super_admin, fake, settings
):
    saved = await super_admin.submit("/admin/ai/providers", _provider(fake), page="/admin/ai")
    assert saved.status_code == 303

    shown = await super_admin.get("/admin/ai")
    assert shown.status_code == 200 and fake.base_url in shown.text
    assert API_KEY not in shown.text and API_KEY[-4:] in shown.text
    [row] = await SystemSetting.select().where(SystemSetting.key == "ai")
    assert API_KEY not in str(row["value"])
    stored = (await load_ai_settings(SecretBox(settings.core.encryption_key))).providers[0]
    assert stored.api_key == API_KEY and stored.prices["fake-small"].output == 600


async def test_a_blank_key_keeps_the_stored_one_and_the_test_button_asks_the_endpoint(
    super_admin, fake, settings
):
    await super_admin.submit("/admin/ai/providers", _provider(fake), page="/admin/ai")
    await super_admin.submit(
        "/admin/ai/providers", _provider(fake, original="fake", api_key="", timeout="7"),
        page="/admin/ai",
    )  # fmt: skip
    stored = (await load_ai_settings(SecretBox(settings.core.encryption_key))).providers[0]
    assert (stored.api_key, stored.timeout) == (API_KEY, 7.0)

    await super_admin.submit("/admin/ai/providers/test", {"name": "fake"}, page="/admin/ai")
    page = await super_admin.get("/admin/ai")
    assert "fake answers: 2 models (fake-small, fake-large)" in page.text


async def test_tiers_get_models_and_a_refused_value_is_shown(super_admin, fake, settings):
    await super_admin.submit("/admin/ai/providers", _provider(fake), page="/admin/ai")
    saved = await super_admin.submit(
        "/admin/ai/tiers",
        {"provider-LOW": "fake", "models-LOW": "fake-small, fake-large"},
        page="/admin/ai",
    )
    assert saved.status_code == 303
    tiers = (await load_ai_settings(SecretBox(settings.core.encryption_key))).tiers
    assert tiers["LOW"].models == ["fake-small", "fake-large"] and tiers["FREE"].models == []

    bad = await super_admin.submit(
        "/admin/ai/providers", _provider(fake, name="other", base_url="ftp://x"), page="/admin/ai"
    )
    assert bad.status_code == 422 and "must start with http://" in bad.text
    refused = await super_admin.submit(
        "/admin/ai/providers", _provider(fake, name="x", prices="gpt lots"), page="/admin/ai"
    )
    assert refused.status_code == 422 and "model input output" in refused.text


async def test_a_tenant_admin_is_refused_the_page_and_its_forms(browser, cast, fake):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    assert (await browser.get("/admin/ai")).status_code == 403
    await browser.get("/app")
    refused = await browser.post("/admin/ai/providers", _provider(fake))
    assert refused.status_code == 403
    assert not await SystemSetting.exists().where(SystemSetting.key == "ai")


async def test_the_admin_api_serves_super_admins_masked_and_checks_tenant_models(
    super_admin, fake, cast, settings
):
    await super_admin.get("/admin/ai")
    body = {
        "providers": [{"name": "fake", "base_url": fake.base_url, "api_key": API_KEY}],
        "tiers": {"LOW": {"provider": "fake", "models": ["fake-small"]}},
    }
    csrf = {"X-CSRF-Token": super_admin.csrf}
    put = await super_admin.client.put("/api/v1/admin/ai", json=body, headers=csrf)
    assert put.status_code == 200 and API_KEY not in put.text
    got = await super_admin.client.get("/api/v1/admin/ai")
    assert got.json()["providers"][0]["api_key"].endswith(API_KEY[-4:])
    round_trip = await super_admin.client.put("/api/v1/admin/ai", json=got.json(), headers=csrf)
    assert round_trip.status_code == 200
    stored = await load_ai_settings(SecretBox(settings.core.encryption_key))
    assert stored.providers[0].api_key == API_KEY, "a masked key sent back keeps the stored one"

    tenant = f"/api/v1/admin/ai/tenants/{cast.acme_owner.tenant_id}"
    wrong = await super_admin.client.put(
        tenant, json={"ai_tier": "LOW", "ai_model": "gpt-9"}, headers=csrf
    )
    assert wrong.status_code == 422 and "not allowed on tier LOW" in wrong.json()["message"]
    ok = await super_admin.client.put(
        tenant, json={"ai_tier": "LOW", "ai_model": "fake-small"}, headers=csrf
    )
    assert ok.status_code == 200
    row = await Tenant.select(Tenant.ai_tier).where(Tenant.id == cast.acme_owner.tenant_id).first()
    assert row["ai_tier"] == "LOW"


async def test_the_admin_api_refuses_tenant_members(browser, cast):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    await browser.get("/app")
    assert (await browser.client.get("/api/v1/admin/ai")).status_code == 403
    own = f"/api/v1/admin/ai/tenants/{cast.acme_owner.tenant_id}"
    refused = await browser.client.put(
        own, json={"ai_tier": "HIGH"}, headers={"X-CSRF-Token": browser.csrf}
    )
    assert refused.status_code == 403
    row = await Tenant.select(Tenant.ai_tier).where(Tenant.id == cast.acme_owner.tenant_id).first()
    assert row["ai_tier"] == "FREE"


async def test_a_super_admin_gives_a_business_a_tier_model_and_a_wrong_one_is_refused(
    super_admin, fake, cast
):
    await super_admin.submit("/admin/ai/providers", _provider(fake), page="/admin/ai")
    await super_admin.submit(
        "/admin/ai/tiers", {"provider-HIGH": "fake", "models-HIGH": "fake-small, fake-large"},
        page="/admin/ai",
    )  # fmt: skip
    acme = await Tenant.select(Tenant.slug).where(Tenant.id == cast.acme_owner.tenant_id).first()
    wrong = await super_admin.submit(
        "/admin/ai/tenant",
        {"tenant": acme["slug"], "ai_tier": "HIGH", "ai_model": "gpt-9"},
        page="/admin/ai",
    )
    assert wrong.status_code == 422 and "not allowed on tier HIGH" in wrong.text
    saved = await super_admin.submit(
        "/admin/ai/tenant",
        {"tenant": acme["slug"], "ai_tier": "HIGH", "ai_model": "fake-large"},
        page="/admin/ai",
    )
    assert saved.status_code == 303
    row = (
        await Tenant.select(Tenant.ai_tier, Tenant.ai_model)
        .where(Tenant.id == cast.acme_owner.tenant_id)
        .first()
    )
    assert (row["ai_tier"], row["ai_model"]) == ("HIGH", "fake-large")
