"""Questions about services (included, how long, do you do, totals, which costs less) on the demo
businesses, in English and Roman Urdu; and totals are grounded in the reply's items, not its text.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b2a.assistant.catalog_provider import answer
from b2a.assistant.grounding import review
from b2a.assistant.guardrails import check
from b2a.assistant.openai_compat import parse_reply
from b2a.assistant.shapes import AssistantRequest, CatalogView, Intent, ItemRef, ProviderReply, Turn
from b2a.catalog.money import exponent, format_price
from b2a.catalog.rules import duration_display
from bench.assistant_eval import load_businesses

BUSINESSES = load_businesses()
SALON = BUSINESSES["salon"].catalog
TUTOR = BUSINESSES["tutor"].catalog
PRINT = BUSINESSES["print"].catalog
THRESHOLD = 0.85


def ask(message: str, catalog: CatalogView = SALON, **request) -> ProviderReply:
    return answer(AssistantRequest(catalog, message, **request))


def sent(reply: ProviderReply, catalog: CatalogView = SALON) -> str | None:
    """The text the customer would read, or None when the reply is handed over or blocked."""
    verdict = review(reply, catalog, threshold=THRESHOLD)
    return verdict.text if verdict.send else None


def service(catalog: CatalogView, name: str):
    return next(s for s in catalog.services if s.name == name)


@pytest.mark.parametrize(
    ("message", "name"),
    [
        ("What is included in the bridal makeup?", "Bridal Makeup"),
        ("bridal makeup mein kya kya hota hai?", "Bridal Makeup"),
        ("facial mein kya hai", "Facial"),
        ("tell me about the facial", "Facial"),
    ],
)
def test_what_is_included_answers_the_description_and_the_price(message, name):
    item = service(SALON, name)
    text = sent(ask(message))
    assert text is not None
    assert item.description.rstrip(".") in text
    assert format_price(item.price_minor, item.currency) in text


@pytest.mark.parametrize(
    "message",
    [
        "how long does hair colour take?",
        "hair colour ka time kitna lagta hai?",
        "hair dye kitni der lagti hai",
    ],
)
def test_a_duration_question_answers_the_duration_the_business_set(message):
    assert sent(ask(message)) == "Hair Colour takes about 2 h. It is PKR 4,500."


def test_a_duration_follows_the_service_named_earlier_in_the_conversation():
    history = (Turn(True, "hair colour kitne ka hai?"), Turn(False, "Hair Colour: PKR 4,500"))
    reply = ask("kitni dair lagti hai", history=history)
    assert sent(reply) == "Hair Colour takes about 2 h. It is PKR 4,500."


@pytest.mark.parametrize(
    "message", ["how long does waxing take?", "waxing mein kitna time lagta hai"]
)
def test_a_service_without_a_duration_is_handed_over_and_no_duration_is_invented(message):
    reply = ask(message)
    assert reply.intent is Intent.QUESTION
    assert sent(reply) is None
    assert not re.search(r"\d+\s*(?:min|h)\b", reply.text)


def test_durations_read_as_people_write_them():
    assert [duration_display(m) for m in (45, 60, 90, 120, 1440)] == [
        "45 min", "1 h", "1 h 30 min", "2 h", "24 h"
    ]  # fmt: skip


@pytest.mark.parametrize(
    "message", ["do you do keratin?", "keratin karte ho?", "keratin treatment hoti hai?"]
)
def test_do_you_do_it_is_yes_and_the_price(message):
    assert sent(ask(message)) == "Yes — Keratin Treatment is PKR 12,000."


@pytest.mark.parametrize(
    ("message", "catalog", "expected"),
    [
        ("do you do beard trimming", SALON, "Yes — Beard Trim is PKR 500."),
        ("do you teach physics", TUTOR, "Yes — A Level Physics (monthly) is USD 150."),
        ("spoken english ki classes hain?", TUTOR, "Yes — Spoken English"),
        ("chemistry parhate hain matric ki?", TUTOR, "Yes — Matric Chemistry (monthly) is USD 60."),
        ("sat ki tayari karwate ho", TUTOR, "Yes — SAT Math Prep is USD 250."),
        ("stickers bana dete ho", PRINT, "Yes — Stickers (50 pcs) is PKR 800."),
    ],
)
def test_asking_whether_a_service_is_done_is_answered_yes_however_it_is_said(
    message, catalog, expected
):
    reply = ask(message, catalog)
    assert reply.intent is Intent.QUESTION
    assert (sent(reply, catalog) or "").startswith(expected)


@pytest.mark.parametrize(
    ("message", "catalog"),
    [("sat prep chahiye", TUTOR), ("kal 3 baje beard trim book kar do", SALON)],
)
def test_a_real_order_is_not_read_as_a_do_you_do_question(message, catalog):
    reply = ask(message, catalog)
    assert reply.intent is Intent.ORDER
    assert not reply.text.startswith("Yes")


def test_what_do_you_print_lists_rather_than_saying_yes_to_one_service():
    assert not ask("What do you print?", PRINT).text.startswith("Yes")


@pytest.mark.parametrize(
    ("message", "catalog", "words"),
    [
        ("haircut mein wash bhi hai?", SALON, ["Yes — Haircut", "Wash", "blow-dry", "PKR 1,500"]),
        ("does the haircut include wash?", SALON, ["Wash", "blow-dry"]),
        ("keratin kitne din chalta hai", SALON, ["frizz-free", "four months"]),
        ("o level maths mein hafte mein kitni classes", TUTOR, ["Three online maths classes"]),
        ("essay review kitne din mein milta hai", TUTOR, ["within two days", "USD 25"]),
        ("sat prep kitne hafte ka hai", TUTOR, ["Six-week"]),
        ("business cards kis paper pe hote hain", PRINT, ["350gsm"]),
        ("wedding card ke sath envelope bhi hai?", PRINT, ["Yes — ", "envelope"]),
        ("flex mein eyelets lagte hain?", PRINT, ["eyelets"]),
        ("mug kaisa hota hai", PRINT, ["ceramic mug", "PKR 900"]),
    ],
)
def test_a_question_about_a_detail_is_answered_with_the_description(message, catalog, words):
    text = sent(ask(message, catalog), catalog)
    assert text is not None
    for word in words:
        assert word in text


def test_how_long_one_class_takes_in_roman_urdu():
    text = sent(ask("maths ki ek class kitne time ki hoti hai", TUTOR), TUTOR)
    assert text == "O Level Maths (monthly) takes about 1 h. It is USD 120."


@pytest.mark.parametrize(
    "message", ["manicure pedicure dono kitne ke", "manicure pedicure both how much"]
)
def test_a_total_without_and_between_the_services(message):
    lines = ["Manicure: PKR 1,200", "Pedicure: PKR 1,800", "Total: PKR 3,000"]
    assert sent(ask(message)) == "\n".join(lines)


@pytest.mark.parametrize("message", ["do you do nail extensions?", "hair transplant karte ho?"])
def test_a_service_not_in_the_catalogue_is_still_handed_over(message):
    reply = ask(message)
    assert sent(reply) is None
    assert "Yes" not in reply.text


@pytest.mark.parametrize(
    ("message", "lines"),
    [
        (
            "manicure aur haircut dono ka total?",
            ["Manicure: PKR 1,200", "Haircut: PKR 1,500", "Total: PKR 2,700"],
        ),
        (
            "haircut and beard trim together how much?",
            ["Haircut: PKR 1,500", "Beard Trim: PKR 500", "Total: PKR 2,000"],
        ),
        (
            "2 haircuts and a facial total",
            ["2 × Haircut (PKR 1,500 each): PKR 3,000", "Facial: PKR 3,000", "Total: PKR 6,000"],
        ),
        (
            "teen manicure aur do pedicure ka total kitna hoga",
            [
                "3 × Manicure (PKR 1,200 each): PKR 3,600",
                "2 × Pedicure (PKR 1,800 each): PKR 3,600",
                "Total: PKR 7,200",
            ],
        ),
    ],
)
def test_a_total_lists_each_line_and_adds_them_up(message, lines):
    reply = ask(message)
    assert sent(reply) == "\n".join(lines)
    assert reply.intent is Intent.QUESTION


def test_a_total_for_a_tutor_in_roman_urdu():
    text = sent(ask("mathematics aur physics dono ki fees bata dein", TUTOR), TUTOR)
    assert text is not None and text.endswith("Total: USD 270")


@pytest.mark.parametrize(
    "message",
    [
        "which is cheaper, manicure or pedicure?",
        "manicure sasta hai ya pedicure?",
        "pedicure or manicure, which one is less expensive?",
    ],
)
def test_which_costs_less_gives_both_prices_and_the_lower_one(message):
    text = sent(ask(message))
    assert text is not None
    assert "Manicure: PKR 1,200" in text and "Pedicure: PKR 1,800" in text
    assert text.endswith("Manicure costs less.")


@pytest.mark.parametrize(
    "message",
    [
        "make it cheaper",
        "sasta kar do",
        "manicure sasta kar do ya pedicure",
        "discount on manicure or pedicure?",
        "which is cheaper, manicure or pedicure? give me a discount",
        "can you give me the pedicure cheaper or the manicure?",
        "pedicure 1000 mein de do ya manicure",
        "is there anything cheaper?",
    ],
)
def test_bargaining_stays_out_of_scope_even_beside_two_services(message):
    reply = ask(message)
    assert reply.intent is Intent.UNKNOWN
    assert sent(reply) is None


# -- totals are grounded in the items: the property --------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(SALON.services), st.integers(min_value=1, max_value=9)),
        min_size=1,
        max_size=5,
        unique_by=lambda pair: pair[0].id,
    ),
    st.integers(min_value=-500_000, max_value=500_000).filter(bool),
)
def test_a_stated_total_passes_only_when_it_is_the_sum_of_the_items(chosen, error):
    items = tuple(ItemRef(item.id, quantity) for item, quantity in chosen)
    total = sum(item.price_minor * quantity for item, quantity in chosen)
    lines = [f"{q} x {item.name}" for item, q in chosen]
    honest = "\n".join([*lines, f"Total: {format_price(total, 'PKR')}"])
    assert check(honest, SALON, items=items) == []
    assert review(ProviderReply(Intent.QUESTION, honest, 0.95, items), SALON, threshold=0.85).send

    wrong = total + error
    if wrong <= 0 or _is_allowed_anyway(wrong, chosen):
        return
    made_up = "\n".join([*lines, f"Total: {format_price(wrong, 'PKR')}"])
    assert [v.rule for v in check(made_up, SALON, items=items)] == ["amount"]
    assert review(ProviderReply(Intent.QUESTION, made_up, 0.95, items), SALON, threshold=0).blocked


def _is_allowed_anyway(amount: int, chosen) -> bool:
    """A wrong total that happens to equal a named price or one line's amount is no lie."""
    return any(amount in (item.price_minor, item.price_minor * q) for item, q in chosen)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(SALON.services), st.integers(min_value=1, max_value=9)),
        min_size=2,
        max_size=4,
        unique_by=lambda pair: pair[0].id,
    )
)
def test_the_offline_total_equals_the_sum_and_is_sent(chosen):
    message = " aur ".join(
        f"{q} {item.synonyms[0] if item.synonyms else item.name}" for item, q in chosen
    )
    reply = ask(f"{message} total kitna hoga?")
    expected = sum(item.price_minor * quantity for item, quantity in chosen)
    text = sent(reply)
    assert {ref.service_id for ref in reply.items} == {item.id for item, _ in chosen}
    assert text is not None, reply
    stated = re.search(r"Total: PKR ([\d,]+)", text)
    assert stated and Decimal(stated.group(1).replace(",", "")) == Decimal(
        expected
    ) / 10 ** exponent("PKR")


def test_the_offline_assistant_cannot_state_a_made_up_total():
    reply = ask("manicure aur haircut dono ka total?")
    forged = ProviderReply(
        reply.intent, reply.text.replace("2,700", "2,500"), reply.confidence, reply.items
    )
    assert review(forged, SALON, threshold=0.0).blocked


def test_a_remote_model_reply_with_a_made_up_total_is_blocked():
    manicure, haircut = service(SALON, "Manicure"), service(SALON, "Haircut")
    items = [{"service_id": str(manicure.id)}, {"service_id": str(haircut.id), "quantity": 2}]

    def model(text: str) -> ProviderReply:
        content = {"intent": "question", "reply": text, "confidence": 0.95, "items": items}
        return parse_reply(json.dumps(content))

    honest = model("Manicure: PKR 1,200\n2 x Haircut: PKR 3,000\nTotal: PKR 4,200")
    assert review(honest, SALON, threshold=THRESHOLD).send
    for lie in ("Total: PKR 4,000", "Total: PKR 2,700", "Total: Rs. 4,199"):
        forged = model(f"Manicure: PKR 1,200\n2 x Haircut: PKR 3,000\n{lie}")
        verdict = review(forged, SALON, threshold=0.0)
        assert verdict.blocked and "amount" in {v.rule for v in verdict.violations}


def test_a_comparison_word_the_business_made_out_of_scope_stays_out_of_scope():
    reply = ask("manicure sasta hai ya pedicure?", keywords={"unknown": ("sasta",)})
    assert reply.intent is Intent.UNKNOWN and sent(reply) is None
    assert sent(ask("manicure sasta hai ya pedicure?", keywords={"unknown": ("refund",)}))
