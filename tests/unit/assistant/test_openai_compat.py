"""The OpenAI-compatible provider's pure parts: the prompt, strict parsing, the cost estimate."""

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b2a.assistant.ai_settings import ModelPrice, ProviderConfig
from b2a.assistant.grounding import review
from b2a.assistant.openai_compat import cost_micro_usd, messages, parse_reply, system_prompt
from b2a.assistant.shapes import AssistantRequest, Intent, ProviderDown, Turn
from tests.unit.assistant.conftest import BAKERY

CAKE = BAKERY.services[0]


def request(message="How much is the chocolate cake?", **kw):
    return AssistantRequest(catalog=BAKERY, message=message, **kw)


def test_the_prompt_carries_the_catalogue_with_ids_the_faq_the_hours_and_the_rules():
    prompt = system_prompt(
        request(
            hours="Mon-Sat 09:00-18:00", humans_back="Monday 09:00", known_fields={"name": "Ali"}
        )
    )
    assert f"id={CAKE.id} | Chocolate Cake (1 kg) | PKR 2,800" in prompt
    assert "Do you deliver?" in prompt and "anywhere in Lahore" in prompt
    assert "Mon-Sat 09:00-18:00" in prompt and "back Monday 09:00" in prompt
    assert "name: Ali" in prompt
    assert "Never confirm an order" in prompt and "{{price:<service id>}}" in prompt


def test_the_history_goes_as_chat_turns_before_the_message():
    chat = messages(request(history=(Turn(True, "hi"), Turn(False, "Hello!"))))
    assert [m["role"] for m in chat] == ["system", "user", "assistant", "user"]
    assert chat[-1]["content"] == "How much is the chocolate cake?"


def test_a_well_formed_answer_becomes_a_draft():
    reply = parse_reply(
        json.dumps(
            {
                "intent": "order",
                "reply": "Noted: 2 x Chocolate Cake at {{price:" + str(CAKE.id) + "}} each.",
                "items": [{"service_id": str(CAKE.id), "quantity": 2}],
                "fields": {"name": " Ali ", "phone": 3, "shoe_size": "44"},
                "confidence": 0.9,
            }
        )
    )
    assert reply.intent is Intent.ORDER and reply.confidence == 0.9
    assert reply.items[0].service_id == CAKE.id and reply.items[0].quantity == 2
    assert reply.fields == {"name": "Ali"}


def _with_time(value):
    return json.dumps(
        {"intent": "order", "reply": "Noted.", "confidence": 0.9, "requested_time": value}
    )


@pytest.mark.parametrize(
    ("value", "zone", "expected"),
    [
        ("2026-12-08T17:00", "Asia/Karachi", datetime(2026, 12, 8, 12, 0, tzinfo=UTC)),
        ("2026-12-08 17:00:00", "Asia/Karachi", datetime(2026, 12, 8, 12, 0, tzinfo=UTC)),
        ("2026-07-04T10:30", "Europe/Berlin", datetime(2026, 7, 4, 8, 30, tzinfo=UTC)),
        ("2026-12-08T17:00+05:00", "UTC", datetime(2026, 12, 8, 12, 0, tzinfo=UTC)),
        (None, "Asia/Karachi", None),
    ],
)
def test_a_requested_time_is_read_as_local_time_in_the_business_zone(value, zone, expected):
    reply = parse_reply(_with_time(value), zone)
    assert reply.requested_at == expected
    assert reply.requested_at is None or reply.requested_at.tzinfo is not None


@pytest.mark.parametrize(
    "value",
    ["tomorrow 5pm", "2026-12-08", "17:00", "2026-13-01T10:00", "2026-12-08T25:00", 5, [], True,
     "2026-03-29T02:30"],  # the last one: Berlin skips 02:00-03:00 that night
)  # fmt: skip
def test_a_malformed_requested_time_is_a_provider_failure(value):
    with pytest.raises(ProviderDown):
        parse_reply(_with_time(value), "Europe/Berlin")


@pytest.mark.parametrize(
    "content",
    [
        "not json at all",
        '{"intent": "greeting", "reply": "hi"',
        "[1, 2]",
        '{"intent": "sell_everything", "reply": "hi", "confidence": 0.9}',
        '{"intent": "greeting", "reply": "", "confidence": 0.9}',
        '{"intent": "greeting", "reply": "hi", "confidence": "high"}',
        '{"intent": "greeting", "reply": "hi", "confidence": 7}',
        '{"intent": "greeting", "reply": "hi", "confidence": true}',
        '{"intent": "order", "reply": "hi", "confidence": 0.9, "items": {"a": 1}}',
        '{"intent": "order", "reply": "hi", "confidence": 0.9, "items": [{"service_id": "x"}]}',
        json.dumps(
            {
                "intent": "order",
                "reply": "hi",
                "confidence": 0.9,
                "items": [{"service_id": str(uuid4()), "quantity": "2"}],
            }
        ),
        '{"intent": "details", "reply": "hi", "confidence": 0.9, "fields": ["Ali"]}',
    ],
)
def test_malformed_json_or_a_wrong_shape_is_a_provider_failure(content):
    with pytest.raises(ProviderDown):
        parse_reply(content)


def test_the_cost_comes_from_the_price_table_per_thousand_tokens():
    config = ProviderConfig(name="x", prices={"m": ModelPrice(input=150, output=600)})
    assert cost_micro_usd(config, "m", 2000, 500) == 600
    assert cost_micro_usd(config, "unpriced", 2000, 500) == 0


_AMOUNTS = st.one_of(
    st.sampled_from([s.price_minor // 100 for s in BAKERY.services]),
    st.integers(min_value=1, max_value=20000),
)
_FRAGMENTS = st.one_of(
    st.sampled_from([s.name for s in BAKERY.services]),
    _AMOUNTS.map(lambda v: f"PKR {v:,}"),
    _AMOUNTS.map(lambda v: f"Rs. {v}"),
    st.sampled_from(
        [f"{{{{price:{s.id}}}}}" for s in BAKERY.services] + [f"{{{{price:{uuid4()}}}}}"]
    ),
    st.sampled_from(["50% off", "your order is confirmed", "Wedding Cake", "only", "for", "is"]),
    st.text(max_size=12),
)
_REPLY_TEXT = st.lists(_FRAGMENTS, max_size=6).map(". ".join)
_ITEM = st.fixed_dictionaries(
    {
        "service_id": st.one_of(
            st.sampled_from([str(s.id) for s in BAKERY.services]), st.uuids().map(str), st.text()
        ),
        "quantity": st.one_of(st.integers(-3, 200), st.text(max_size=3), st.none()),
    }
)
_JSONISH = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False) | st.integers() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
_SHAPED = st.fixed_dictionaries(
    {
        "intent": st.one_of(st.sampled_from([i.value for i in Intent]), _JSONISH),
        "reply": st.one_of(_REPLY_TEXT, _JSONISH),
        "confidence": st.one_of(st.floats(0, 1), _JSONISH),
    },
    optional={"items": st.one_of(st.lists(_ITEM, max_size=3), _JSONISH), "fields": _JSONISH},
)
_CONTENT = st.one_of(st.text(max_size=40), _JSONISH.map(json.dumps), _SHAPED.map(json.dumps))
_MARKED = re.compile(r"(?:PKR|Rs\.)\s?(\d[\d,]*)")


def _allowed(text: str) -> set[Decimal]:
    named = [s for s in BAKERY.services if s.name.lower() in text.lower()]
    prices = [Decimal(s.price_minor) / 100 for s in named]
    allowed = {p * q for p in prices for q in range(100)}
    allowed.add(sum(prices, Decimal(0)))
    return allowed


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(_CONTENT)
def test_random_model_output_never_crashes_and_never_sends_an_ungrounded_amount(content):
    try:
        reply = parse_reply(content)
    except ProviderDown:
        return
    verdict = review(reply, BAKERY, threshold=0.0)
    if not verdict.send:
        return
    for raw in _MARKED.findall(verdict.text):
        assert Decimal(raw.replace(",", "")) in _allowed(verdict.text), verdict.text
    assert "% off" not in verdict.text and "confirmed" not in verdict.text.lower()
