"""The super admin's AI settings and the remote provider answering through the whole turn."""

import logging

import pytest

from b2a.assistant.ai_settings import (
    AISettings,
    ModelPrice,
    ProviderConfig,
    TenantAI,
    TierModels,
    load_ai_settings,
    masked_ai_settings,
    save_ai_settings,
    save_tiers,
    set_tenant_ai,
)
from b2a.assistant.turn import Outcome, take_turn
from b2a.catalog.tables import Service
from b2a.errors import Forbidden, Invalid
from b2a.inbox.rules import Owner
from b2a.lib.crypto import SecretBox
from b2a.lib.http import create_client
from b2a.system.tables import SystemSetting
from b2a.tenants.actor import Actor
from b2a.tenants.rules import AITier
from b2a.tenants.tables import Tenant
from tests.fakes.openai_api import API_KEY, Behaviour, FakeOpenAI
from tests.integration.assistant.test_turn import FALLBACK, salon  # noqa: F401

OPERATOR = Actor.operator("tests")


@pytest.fixture
def box(make_settings):
    return SecretBox(make_settings().core.encryption_key)


def configured(base_url, key=API_KEY, models=("fake-small", "fake-large")):
    return AISettings(
        providers=[
            ProviderConfig(
                name="fake",
                base_url=base_url,
                api_key=key,
                timeout=2.0,
                prices={"fake-small": ModelPrice(input=150, output=600)},
            )
        ],
        tiers={"LOW": TierModels(provider="fake", models=list(models))},
    )


async def test_the_api_key_is_encrypted_at_rest_and_shown_masked(db, box):
    await save_ai_settings(OPERATOR, configured("http://127.0.0.1:9/v1"), box)

    [row] = await SystemSetting.select().where(SystemSetting.key == "ai")
    assert API_KEY not in str(row["value"])
    assert (await load_ai_settings(box)).providers[0].api_key == API_KEY
    shown = (await masked_ai_settings(OPERATOR, box)).providers[0].api_key
    assert API_KEY not in shown and shown.endswith(API_KEY[-4:])


async def test_saving_with_a_blank_key_keeps_the_stored_one(db, box):
    await save_ai_settings(OPERATOR, configured("http://127.0.0.1:9/v1"), box)
    await save_ai_settings(OPERATOR, configured("http://127.0.0.2:9/v1", key=""), box)
    stored = (await load_ai_settings(box)).providers[0]
    assert (stored.base_url, stored.api_key) == ("http://127.0.0.2:9/v1", API_KEY)


async def test_only_a_super_admin_reads_or_writes_them(cast, box):
    with pytest.raises(Forbidden):
        await save_ai_settings(cast.acme_owner.actor, configured("http://127.0.0.1:9/v1"), box)
    with pytest.raises(Forbidden):
        await masked_ai_settings(cast.acme_owner.actor, box)
    with pytest.raises(Forbidden):
        await set_tenant_ai(
            cast.acme_owner.actor, cast.acme_owner.tenant_id, TenantAI(ai_tier=AITier.HIGH), box
        )


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (AISettings(tiers={"LOW": TierModels(provider="nobody", models=["m"])}), "not configured"),
        (AISettings(tiers={"PLATINUM": TierModels()}), "not a tier"),
        (AISettings(providers=[ProviderConfig(name="x", base_url="ftp://h")]), "http://"),
        (
            AISettings(providers=[ProviderConfig(name="x", base_url="http://h", timeout=600)]),
            "timeout",
        ),
    ],
)
async def test_unusable_settings_are_refused(db, box, settings, message):
    with pytest.raises(Invalid, match=message):
        await save_ai_settings(OPERATOR, settings, box)


async def test_a_tenant_model_must_be_on_its_tiers_allowlist(cast, box):
    await save_ai_settings(OPERATOR, configured("http://127.0.0.1:9/v1"), box)
    tenant_id = cast.acme_owner.tenant_id
    with pytest.raises(Invalid, match="not allowed on tier LOW; allowed: fake-small, fake-large"):
        await set_tenant_ai(
            OPERATOR, tenant_id, TenantAI(ai_tier=AITier.LOW, ai_model="gpt-9"), box
        )
    await set_tenant_ai(
        OPERATOR, tenant_id, TenantAI(ai_tier=AITier.LOW, ai_model="fake-large"), box
    )
    tenant = await Tenant.objects().where(Tenant.id == tenant_id).first()
    assert (tenant.ai_tier, tenant.ai_model) == ("LOW", "fake-large")


@pytest.fixture
async def remote_salon(salon, box):  # noqa: F811
    await Tenant.update({Tenant.ai_tier: AITier.LOW}).where(Tenant.id == salon.scope.tenant_id)
    with FakeOpenAI() as fake:
        await save_ai_settings(OPERATOR, configured(fake.base_url), box)
        async with create_client() as client:
            salon.fake = fake

            async def turn(stored):
                return await take_turn(
                    salon.scope,
                    stored.conversation_id,
                    stored.message_id,
                    salon.redis,
                    box=box,
                    http=client,
                )

            salon.remote_turn = turn
            yield salon


async def _haircut(on):
    rows = await on.scope.select(Service, Service.id).where(Service.name == "Haircut")
    return rows[0]["id"]


async def test_a_tenant_on_a_configured_tier_gets_the_remote_answer_through_the_turn(remote_salon):
    haircut = await _haircut(remote_salon)
    remote_salon.fake.state.then(
        {
            "intent": "question",
            "reply": f"A haircut is {{{{price:{haircut}}}}}.",
            "items": [{"service_id": str(haircut), "quantity": 1}],
            "confidence": 0.95,
        }
    )
    result = await remote_salon.remote_turn(await remote_salon.customer_says("haircut price?"))

    assert result.outcome == Outcome.SENT
    [reply] = await remote_salon.replies()
    assert reply["text"] == "A haircut is PKR 1,500."
    [usage] = await remote_salon.usage()
    assert (usage["provider"], usage["model"], usage["outcome"]) == ("fake", "fake-small", "sent")
    assert (usage["prompt_tokens"], usage["completion_tokens"]) == (120, 30)
    assert usage["cost_micro_usd"] == 36
    [sent] = remote_salon.fake.state.requests
    assert sent["model"] == "fake-small" and "Haircut" in sent["messages"][0]["content"]


async def test_the_tenants_custom_model_is_asked_when_allowed(remote_salon, box):
    await set_tenant_ai(
        OPERATOR,
        remote_salon.scope.tenant_id,
        TenantAI(ai_tier=AITier.LOW, ai_model="fake-large"),
        box,
    )
    await remote_salon.remote_turn(await remote_salon.customer_says("hello"))
    assert remote_salon.fake.state.requests[0]["model"] == "fake-large"


@pytest.mark.parametrize(
    "reply",
    [
        "A haircut is only PKR 999 today.",
        "We also offer a Keratin Treatment, PKR 5,000.",
        "Good news: 50% off every haircut this week!",
        "Your haircut order is confirmed for 5pm.",
    ],
)
async def test_an_adversarial_remote_reply_is_blocked_and_never_sent(remote_salon, reply):
    haircut = await _haircut(remote_salon)
    remote_salon.fake.state.then(
        {
            "intent": "question",
            "reply": reply,
            "items": [{"service_id": str(haircut), "quantity": 1}],
            "confidence": 0.99,
        }
    )
    stored = await remote_salon.customer_says("haircut price?")
    result = await remote_salon.remote_turn(stored)

    assert result.outcome == Outcome.BLOCKED
    assert [r["text"] for r in await remote_salon.replies()] == [FALLBACK]
    assert (await remote_salon.conversation(stored)).owner == Owner.HUMAN
    [usage] = await remote_salon.usage()
    assert usage["provider"] == "fake" and usage["blocked_reason"].startswith("blocked")


async def test_a_failing_remote_provider_lets_the_offline_assistant_answer(remote_salon):
    remote_salon.fake.state.then(*[Behaviour(status=500)] * 3)
    result = await remote_salon.remote_turn(await remote_salon.customer_says("haircut price?"))

    assert result.outcome == Outcome.FALLBACK
    [reply] = await remote_salon.replies()
    assert "1,500" in reply["text"]
    [usage] = await remote_salon.usage()
    assert (usage["provider"], usage["outcome"]) == ("catalog", "fallback")
    assert "fake failed: the endpoint answered HTTP 500" in usage["blocked_reason"]


async def test_a_free_tier_without_models_uses_the_offline_assistant(remote_salon):
    await Tenant.update({Tenant.ai_tier: AITier.FREE}).where(
        Tenant.id == remote_salon.scope.tenant_id
    )
    result = await remote_salon.remote_turn(await remote_salon.customer_says("haircut price?"))
    assert result.outcome == Outcome.SENT
    assert remote_salon.fake.state.chat_calls == 0
    assert [u["provider"] for u in await remote_salon.usage()] == ["catalog"]


async def test_a_settings_change_applies_to_the_next_message_without_a_restart(remote_salon, box):
    await remote_salon.remote_turn(await remote_salon.customer_says("hello", phone="923000000001"))
    await save_tiers(OPERATOR, {"LOW": TierModels(provider="fake", models=["fake-large"])}, box)
    await remote_salon.remote_turn(await remote_salon.customer_says("hello", phone="923000000002"))
    assert [r["model"] for r in remote_salon.fake.state.requests] == ["fake-small", "fake-large"]


async def test_the_api_key_never_reaches_the_logs(remote_salon, caplog):
    caplog.set_level(logging.DEBUG)
    remote_salon.fake.state.then(*[Behaviour(status=500)] * 3)
    await remote_salon.remote_turn(await remote_salon.customer_says("haircut price?"))
    assert "fake failed" in caplog.text
    assert API_KEY not in caplog.text
