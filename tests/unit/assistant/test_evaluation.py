"""The labelled evaluations (bench/assistant_eval.py) keep the offline assistant's targets."""

from collections import Counter
from datetime import timedelta

from b2a.assistant.shapes import Intent, ItemRef, ProviderReply
from b2a.orders.rules import OrdersNeed
from b2a.tenants.hours import describe
from bench.assistant_eval import INTENT_TARGET, evaluate, load_businesses, load_cases
from bench.assistant_helpfulness import (
    HELPFUL_TARGET,
    NOW,
    PRECISION_TARGET,
    RECALL_TARGET,
    Conversation,
    ExpectedOrder,
    HelpCase,
    Step,
    evaluate_helpfulness,
    load_help_cases,
    says,
)


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
    helpfulness = await evaluate_helpfulness(
        load_help_cases(), load_businesses(), provider=Parrot()
    )
    assert helpfulness.helpfulness < 0.5
    assert helpfulness.shortfalls()


def test_the_demo_businesses_say_their_hours_in_words_and_as_weekdays_alike():
    businesses = load_businesses()
    assert {key: b.orders_need for key, b in businesses.items()} == {
        "salon": OrdersNeed.TIME, "print": OrdersNeed.ADDRESS, "tutor": OrdersNeed.NONE
    }  # fmt: skip
    for business in businesses.values():
        assert describe(business.opening) == business.hours
        assert business.time_zone == "Asia/Karachi"
        assert any(s.duration_minutes for s in business.catalog.services)
        assert all(f.synonyms for f in business.catalog.faq)


def test_the_helpfulness_set_covers_questions_and_bookings_of_every_business():
    cases = load_help_cases()
    businesses = load_businesses()
    assert len(cases) >= 150
    assert {c.business for c in cases} == set(businesses)
    topics = {(c.business, c.topic) for c in cases}
    for business in businesses:
        for topic in (
            "faq",
            "included",
            "do-you",
            "lacks",
            "total",
            "cheaper",
            "hours",
            "greeting",
        ):
            assert (business, topic) in topics, (business, topic)
    assert {c.business for c in cases if len(c.steps) > 1 and c.order} == set(businesses)
    assert any(c.escalate for c in cases) and sum(not c.escalate for c in cases) > 100
    for case in cases:
        assert case.steps and all(s.must or s.escalate for s in case.steps[-1:]), case
        if case.order:
            names = {s.name for s in businesses[case.business].catalog.services}
            assert set(case.order.items) <= names, case


def test_a_label_matches_amounts_whole_and_words_from_their_start():
    assert says("Manicure: PKR 1,200.", "pkr 1,200")
    assert not says("PKR 5,000", "PKR 500") and not says("PKR 500", "PKR 50")
    assert not says("PKR 12,700 in total", "2,700") and not says("USD 12.50", "USD 12")
    assert says("Walk-ins are welcome", "walk-in") and not says("which one", "hi")


class Clerk:
    """A provider that knows the answers: books Tuesday 17:00, then takes the name."""

    name = "clerk"

    def __init__(self, business):
        self.manicure = next(s for s in business.catalog.services if s.name == "Manicure")

    async def reply(self, request):
        if request.order is None:
            text = "Yes, Manicure is PKR 1,200. What time would suit you tomorrow?"
            return ProviderReply(Intent.ORDER, text, 0.95, (ItemRef(self.manicure.id),))
        if request.order.requested_at is None:
            at = (NOW + timedelta(days=1)).replace(hour=17)
            return ProviderReply(
                Intent.DETAILS, "Tomorrow at 17:00. Your name?", 0.95, requested_at=at
            )
        assert [line.name for line in request.order.lines] == ["Manicure"]
        assert request.order.missing == ("name",)
        text = f"Thank you, {request.message}: Manicure tomorrow at 17:00."
        return ProviderReply(Intent.DETAILS, text, 0.95, fields={"name": request.message})


async def test_a_booking_runs_as_the_products_turns_and_ends_pending_approval():
    salon = load_businesses()["salon"]
    case = HelpCase(
        "salon",
        "booking",
        (
            Step("I want to book a manicure tomorrow", must=(("time",),)),
            Step("5 baje", must=(("name",),)),
            Step("Sana Tariq", must=(("approval",), ("Manicure",)), must_not=("address",)),
        ),
        order=ExpectedOrder({"Manicure": 1}, "2026-12-08 17:00", "PENDING_APPROVAL"),
    )
    dialogue = await Conversation(salon, {}, 0.85).hold(Clerk(salon), case)
    assert dialogue.problems == ()
    assert dialogue.exchanges[-1].text.endswith(
        "In this request:\nManicure, quantity 1: PKR 1,200 each\n"
        "Order request #1: PKR 1,200 in total for Tuesday 8 December at 17:00, "
        "now waiting for our team's approval. "
        "We will tell you here once they decide."
    )
    assert dialogue.order is not None and dialogue.order.details["name"] == "Sana Tariq"
    wrong = HelpCase(
        "salon",
        "booking",
        case.steps,
        order=ExpectedOrder({"Manicure": 1}, "2026-12-08 18:00", "DRAFT"),
    )
    dialogue = await Conversation(salon, {}, 0.85).hold(Clerk(salon), wrong)
    assert dialogue.problems == (
        "order is PENDING_APPROVAL, wanted DRAFT",
        "order is for 2026-12-08 17:00, wanted 2026-12-08 18:00",
    )


async def test_the_offline_assistant_is_helpful_on_the_issue_15_set():
    report = await evaluate_helpfulness(load_help_cases(), load_businesses())
    unhelpful = [d.case.title for d in report.unhelpful()]
    assert report.grounding_violations == []
    assert report.escalation_recall >= RECALL_TARGET, unhelpful
    assert report.escalation_precision >= PRECISION_TARGET, unhelpful
    assert report.helpfulness >= HELPFUL_TARGET, unhelpful
