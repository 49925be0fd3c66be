"""The labelled evaluation (bench/assistant_eval.py) keeps the offline assistant's targets."""

from collections import Counter

from b2a.assistant.shapes import Intent, ProviderReply
from bench.assistant_eval import INTENT_TARGET, evaluate, load_businesses, load_cases


def test_the_labelled_set_covers_three_businesses_and_every_intent():
    cases = load_cases()
    businesses = load_businesses()
    assert len(cases) >= 200
    assert set(Counter(c.business for c in cases)) == set(businesses) == {"salon", "tutor", "print"}
    assert {c.intent.value for c in cases} >= {
        "greeting", "question", "order", "details", "human", "hours", "thanks", "unknown"
    }  # fmt: skip
    for case in cases:
        catalog = businesses[case.business].catalog
        assert set(case.services) <= {s.name for s in catalog.services}, case
        assert not case.faq or case.faq in {f.question for f in catalog.faq}, case


async def test_the_offline_assistant_meets_the_evaluation_targets():
    report = await evaluate(load_cases(), load_businesses())
    assert report.grounding_violations == []
    assert report.intent_accuracy >= INTENT_TARGET
    assert report.shortfalls() == []


async def test_a_careless_assistant_misses_the_targets():
    class Parrot:
        """Repeats the customer: wrong intents, and whatever amounts they typed."""

        name = "parrot"

        async def reply(self, request):
            return ProviderReply(Intent.QUESTION, f"Yes! {request.message}", 0.99)

    report = await evaluate(load_cases(), load_businesses(), provider=Parrot())
    assert report.intent_accuracy < INTENT_TARGET
    assert report.shortfalls()
