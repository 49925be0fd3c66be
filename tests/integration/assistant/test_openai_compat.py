"""The OpenAI-compatible provider against a fake endpoint: retries, failures, breaker, fallback."""

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from b2a.assistant.ai_settings import ModelPrice, ProviderConfig
from b2a.assistant.breaker import OPEN, PROBE, Breaker, WithFallback
from b2a.assistant.catalog_provider import CatalogAssistant
from b2a.assistant.openai_compat import OpenAICompatProvider
from b2a.assistant.shapes import (
    AssistantRequest,
    Intent,
    OrderInProgress,
    OrderLine,
    ProviderDown,
    Turn,
)
from b2a.lib.http import create_client
from tests.fakes.openai_api import API_KEY, Behaviour, FakeOpenAI
from tests.unit.assistant.conftest import BAKERY

CAKE = BAKERY.services[0]
ANSWER = {
    "intent": "question",
    "reply": f"Chocolate Cake (1 kg) is {{{{price:{CAKE.id}}}}}.",
    "items": [{"service_id": str(CAKE.id), "quantity": 1}],
    "confidence": 0.92,
}
REQUEST = AssistantRequest(catalog=BAKERY, message="chocolate cake price?")


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


class Sleeps:
    """Records the pauses between attempts instead of waiting them out."""

    def __init__(self):
        self.pauses = []

    async def __call__(self, seconds):
        self.pauses.append(seconds)


@pytest.fixture
async def remote(fake):
    async with create_client() as client:
        yield Remote(fake, client)


class Remote:
    def __init__(self, fake, client):
        self.fake, self.client, self.sleeps = fake, client, Sleeps()

    def provider(self, *, timeout=2.0, key=API_KEY, name="fake"):
        config = ProviderConfig(
            name=name,
            base_url=self.fake.base_url,
            api_key=key,
            timeout=timeout,
            prices={"fake-small": ModelPrice(input=150, output=600)},
        )
        return OpenAICompatProvider(config, "fake-small", self.client, sleep=self.sleeps)


async def test_it_asks_for_json_and_reads_the_answer_tokens_and_cost(remote, fake):
    fake.state.then(ANSWER)
    reply = await remote.provider().reply(REQUEST)
    assert reply.intent is Intent.QUESTION and reply.items[0].service_id == CAKE.id
    assert (reply.provider, reply.model) == ("fake", "fake-small")
    assert (reply.prompt_tokens, reply.completion_tokens) == (120, 30)
    assert reply.cost_micro_usd == round((120 * 150 + 30 * 600) / 1000)
    sent = fake.state.requests[0]
    assert sent["response_format"] == {"type": "json_object"} and sent["model"] == "fake-small"
    assert (
        sent["messages"][0]["role"] == "system" and str(CAKE.id) in sent["messages"][0]["content"]
    )


async def test_a_429_is_retried_after_its_retry_after(remote, fake):
    fake.state.then(Behaviour(status=429, headers={"Retry-After": "2"}), ANSWER)
    reply = await remote.provider().reply(REQUEST)
    assert reply.intent is Intent.QUESTION
    assert remote.sleeps.pauses == [2.0] and fake.state.chat_calls == 2


async def test_a_429_asking_for_a_long_wait_is_not_waited_for(remote, fake):
    fake.state.then(Behaviour(status=429, headers={"Retry-After": "120"}), ANSWER)
    with pytest.raises(ProviderDown, match="rate limited"):
        await remote.provider().reply(REQUEST)
    assert fake.state.chat_calls == 1 and remote.sleeps.pauses == []


async def test_5xx_is_retried_with_backoff_then_fails(remote, fake):
    fake.state.then(*[Behaviour(status=500)] * 3)
    with pytest.raises(ProviderDown, match="HTTP 500"):
        await remote.provider().reply(REQUEST)
    assert fake.state.chat_calls == 3 and remote.sleeps.pauses == [0.5, 1.0]


async def test_a_5xx_then_an_answer_succeeds(remote, fake):
    fake.state.then(Behaviour(status=503), ANSWER)
    assert (await remote.provider().reply(REQUEST)).intent is Intent.QUESTION


async def test_other_4xx_are_not_retried(remote, fake):
    with pytest.raises(ProviderDown, match="HTTP 401"):
        await remote.provider(key="sk-wrong").reply(REQUEST)
    assert fake.state.chat_calls == 1


async def test_an_endpoint_slower_than_the_timeout_fails_after_the_attempts(remote, fake):
    fake.state.then(*[Behaviour(ANSWER, delay=1.0)] * 3)
    with pytest.raises(ProviderDown, match="no answer within"):
        await remote.provider(timeout=0.2).reply(REQUEST)
    assert fake.state.chat_calls == 3


@pytest.mark.parametrize(
    "content",
    ["{not json", json.dumps(["a list"]), json.dumps({"intent": "question", "text": "hi"})],
)
async def test_malformed_or_wrongly_shaped_answers_are_failures(remote, fake, content):
    fake.state.then(content)
    with pytest.raises(ProviderDown):
        await remote.provider().reply(REQUEST)
    assert fake.state.chat_calls == 1


async def test_a_failing_provider_falls_back_to_the_offline_assistant_saying_why(
    remote, fake, redis
):
    fake.state.then(*[Behaviour(status=500)] * 3)
    provider = WithFallback(remote.provider(), CatalogAssistant(), Breaker(redis, "fake"))
    reply = await provider.reply(REQUEST)
    assert reply.provider == "catalog" and "fake failed: the endpoint answered HTTP 500" in (
        reply.fallback_reason
    )
    assert "PKR 2,800" in reply.text


async def test_the_breaker_is_shared_by_workers_and_recovers_through_a_probe(
    remote, fake, redis, frozen_clock
):
    # Two workers, each with its own provider and breaker objects, one Redis.
    first, second = (
        WithFallback(remote.provider(), CatalogAssistant(), Breaker(redis, "fake", threshold=2))
        for _ in range(2)
    )
    fake.state.then(*[Behaviour(status=500)] * 6)
    await first.reply(REQUEST)
    await second.reply(REQUEST)
    assert fake.state.chat_calls == 6
    paused = await first.reply(REQUEST)
    assert fake.state.chat_calls == 6 and "paused after failures" in paused.fallback_reason

    frozen_clock.advance(seconds=61)
    probe_breaker = Breaker(redis, "fake", threshold=2)
    assert await probe_breaker.allow() == PROBE
    assert await Breaker(redis, "fake").allow() == OPEN  # one probe at a time
    await probe_breaker.failed()  # the probe failed: open again
    assert await Breaker(redis, "fake").allow() == OPEN

    frozen_clock.advance(seconds=61)
    fake.state.then(ANSWER)
    recovered = await second.reply(REQUEST)
    assert recovered.provider == "fake" and not recovered.fallback_reason
    fake.state.then(ANSWER)
    assert (await first.reply(REQUEST)).provider == "fake"


async def test_the_model_gets_the_same_context_and_its_requested_time_reaches_the_draft(
    remote, fake
):
    cake = replace(CAKE, duration_minutes=45)
    faq = replace(BAKERY.faq[0], synonyms=("home delivery hai?", "ghar pe bhejte ho"))
    catalog = replace(BAKERY, services=(cake, *BAKERY.services[1:]), faq=(faq, *BAKERY.faq[1:]))
    order = OrderInProgress(
        number=7,
        status="DRAFT",
        lines=(OrderLine(cake.id, cake.name, 2, cake.price_minor),),
        total_minor=2 * cake.price_minor,
        currency="PKR",
        requested_at=datetime(2026, 12, 8, 12, 0, tzinfo=UTC),
        missing=("name",),
    )
    request = AssistantRequest(
        catalog=catalog,
        message="kal 5 baje de dena",
        history=(Turn(True, "2 chocolate cake chahiye"), Turn(False, "Noted.")),
        known_fields={"phone": "+923001234567"},
        required_fields=("name", "time"),
        hours="Mon-Sat 09:00-18:00; Sun closed",
        now=datetime(2026, 12, 7, 9, 30, tzinfo=UTC),
        time_zone="Asia/Karachi",
        orders_need="time",
        order=order,
    )
    fake.state.then({**ANSWER, "intent": "order", "requested_time": "2026-12-08T17:00"})

    reply = await remote.provider().reply(request)

    assert reply.requested_at == datetime(2026, 12, 8, 12, 0, tzinfo=UTC)
    chat = fake.state.requests[0]["messages"]
    prompt = chat[0]["content"]
    assert f"id={cake.id} | Chocolate Cake (1 kg) | PKR 2,800 | takes 45 min" in prompt
    assert "Moist chocolate sponge with ganache." in prompt
    assert "Do you deliver? (also asked as: home delivery hai?; ghar pe bhejte ho)" in prompt
    assert "Yes, anywhere in Lahore." in prompt
    assert "Opening hours: Mon-Sat 09:00-18:00; Sun closed." in prompt
    assert "2026-12-07T14:30 (Monday 7 December 2026, 14:30), time zone Asia/Karachi" in prompt
    assert "Orders here need a requested time (an appointment)" in prompt
    assert "open order request #7 (DRAFT)" in prompt
    assert "Chocolate Cake (1 kg), quantity 2: PKR 2,800 each" in prompt
    assert "Total: PKR 5,600. Requested time: 2026-12-08T17:00" in prompt
    assert "Still missing: name." in prompt
    assert "phone: +923001234567" in prompt
    assert '"requested_time"' in prompt
    assert [(m["role"], m["content"]) for m in chat[1:]] == [
        ("user", "2 chocolate cake chahiye"),
        ("assistant", "Noted."),
        ("user", "kal 5 baje de dena"),
    ]


async def test_a_malformed_requested_time_falls_back_like_other_malformed_output(remote, fake):
    fake.state.then({**ANSWER, "requested_time": "kal 5 baje"})
    with pytest.raises(ProviderDown):
        await remote.provider().reply(REQUEST)
