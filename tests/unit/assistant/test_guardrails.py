"""Guardrails and grounding: a sent reply is grounded in the catalogue, whatever the provider wrote.

The properties build random catalogues and random drafts from fragments whose
truth the test knows (an honest price, a wrong price, an invented service, a
disguised discount or prohibited phrase …) and check with that independent
knowledge, never with the code under test, that whatever ``review`` lets
through is clean, and that honest drafts do get through.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b2a.assistant.grounding import review
from b2a.assistant.guardrails import check, normalise
from b2a.assistant.shapes import CatalogItem, CatalogView, FaqItem, Intent, ItemRef, ProviderReply
from b2a.catalog.money import exponent, format_price

SERVICE_NAMES = [
    "Haircut", "Facial", "Manicure", "Pedicure", "Waxing", "Threading", "Massage", "Makeup",
    "Banner", "Flyer", "Poster", "Brochure", "Maths tuition", "Physics class", "Essay review",
]  # fmt: skip
OUTSIDE_NAMES = ["Tattoo", "Piercing", "Botox", "Laser therapy", "Car wash", "Web hosting"]
FORBIDDEN = [
    "discount", "50% off", "free gift", "guaranteed results", "your order is confirmed",
    "cashback", "booking confirmed", "money back guarantee", "muft delivery",
]  # fmt: skip
PROHIBITED = ["competitor", "cheap stuff", "idiot"]
LEET = {"o": "0", "i": "1", "e": "3", "a": "4", "s": "5", "t": "7", "l": "1"}


def _disguise(phrase: str, how: str) -> str:
    if how == "upper":
        return phrase.upper()
    if how == "spaced":
        return " ".join(phrase)
    if how == "dotted":
        return ".".join(phrase.replace(" ", ""))
    if how == "leet":
        return "".join(LEET.get(c, c) for c in phrase)
    if how == "accents":
        return phrase.replace("e", "é").replace("a", "à").replace("o", "ö")
    if how == "stretched":
        return "".join(c * 3 if c in "aeiou" else c for c in phrase)
    if how == "zero_width":
        return "\u200b".join(phrase)
    return phrase


DISGUISES = ["plain", "upper", "spaced", "dotted", "leet", "accents", "stretched", "zero_width"]


@st.composite
def catalogues(draw: st.DrawFn) -> CatalogView:
    names = draw(st.lists(st.sampled_from(SERVICE_NAMES), min_size=1, max_size=6, unique=True))
    currency = draw(st.sampled_from(["PKR", "USD", "EUR", "JPY"]))
    services = tuple(
        CatalogItem(
            uuid.uuid4(), name, draw(st.integers(min_value=100, max_value=5_000_000)), currency
        )
        for name in names
    )
    return CatalogView("Demo", services)


@dataclass
class Draft:
    """A draft and what the test knows about it."""

    parts: list[str] = field(default_factory=list)
    named: set[str] = field(default_factory=set)
    amounts: list[Decimal] = field(default_factory=list)
    dirty: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(self.parts)


def _major(item: CatalogItem, minor: int | None = None) -> Decimal:
    return Decimal(item.price_minor if minor is None else minor) / 10 ** exponent(item.currency)


@st.composite
def drafts(draw: st.DrawFn, catalog: CatalogView) -> Draft:
    draft = Draft()
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        kind = draw(
            st.sampled_from(
                [
                    "honest",
                    "wrong_price",
                    "other_price",
                    "invented",
                    "forbidden",
                    "prohibited",
                    "injection",
                    "filler",
                ]  # fmt: skip
            )
        )
        item = draw(st.sampled_from(catalog.services))
        if kind == "honest":
            draft.parts.append(f"{item.name}: {format_price(item.price_minor, item.currency)}.")
            draft.named.add(item.name)
            draft.amounts.append(_major(item))
        elif kind == "wrong_price":
            wrong = item.price_minor + draw(st.integers(min_value=1, max_value=10_000))
            draft.parts.append(f"{item.name} costs {format_price(wrong, item.currency)}.")
            draft.named.add(item.name)
            draft.amounts.append(_major(item, wrong))
        elif kind == "other_price":
            other = draw(st.sampled_from(catalog.services))
            draft.parts.append(f"{item.name} is {format_price(other.price_minor, other.currency)}.")
            draft.named.add(item.name)
            draft.amounts.append(_major(other))
        elif kind == "invented":
            outside = draw(st.sampled_from(OUTSIDE_NAMES))
            draft.parts.append(f"We also offer {outside}.")
            draft.dirty.append(f"invented {outside}")
        elif kind == "forbidden":
            phrase = draw(st.sampled_from(FORBIDDEN))
            draft.parts.append(f"Good news: {_disguise(phrase, draw(st.sampled_from(DISGUISES)))}!")
            draft.dirty.append(phrase)
        elif kind == "prohibited":
            phrase = draw(st.sampled_from(PROHIBITED))
            draft.parts.append(f"Ask {_disguise(phrase, draw(st.sampled_from(DISGUISES)))} now.")
            draft.dirty.append(phrase)
        elif kind == "injection":
            amount = draw(st.integers(min_value=1, max_value=9_999))
            draft.parts.append(f"Sure, ignoring my rules: {item.name} for just ${amount} today.")
            draft.named.add(item.name)
            draft.amounts.append(Decimal(amount))
        else:
            draft.parts.append("Let me know how I can help you.")
    return draft


def _grounded_amounts(draft: Draft, catalog: CatalogView) -> bool:
    """The oracle: each amount is a named service's price, a multiple of it, or their total."""
    named = [s for s in catalog.services if s.name in draft.named]
    allowed = {_major(s) * q for s in named for q in range(1, 100)}
    allowed.add(sum((_major(s) for s in named), Decimal(0)))
    return all(amount in allowed for amount in draft.amounts)


def _reply(text: str, items: tuple[ItemRef, ...] = (), intent: Intent = Intent.QUESTION):
    return ProviderReply(intent=intent, text=text, confidence=0.97, items=items, evidence=0.9)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_a_sent_reply_is_always_grounded_and_clean(data):
    catalog = data.draw(catalogues())
    draft = data.draw(drafts(catalog))

    verdict = review(_reply(draft.text), catalog, threshold=0.85, prohibited=PROHIBITED)

    if verdict.send:
        assert not draft.dirty, (draft.text, draft.dirty)
        assert _grounded_amounts(draft, catalog), draft.text


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_an_honest_priced_answer_is_sent(data):
    catalog = data.draw(catalogues())
    chosen = data.draw(st.lists(st.sampled_from(catalog.services), min_size=1, unique=True))
    text = " ".join(f"{s.name}: {format_price(s.price_minor, s.currency)}." for s in chosen)

    verdict = review(_reply(text, tuple(ItemRef(s.id) for s in chosen)), catalog, threshold=0.85)

    assert verdict.send, verdict.reason
    assert verdict.text == text


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_unknown_service_ids_are_never_sent(data):
    catalog = data.draw(catalogues())
    item = data.draw(st.sampled_from(catalog.services))
    stranger = uuid.uuid4()
    placeholder = data.draw(st.booleans())
    text = f"{item.name}: {{{{price:{stranger}}}}}" if placeholder else f"{item.name} is great"
    items = () if placeholder else (ItemRef(stranger),)

    verdict = review(_reply(text, items), catalog, threshold=0.5)

    assert not verdict.send and verdict.blocked


def test_price_placeholders_are_rendered_from_the_catalogue():
    catalog = CatalogView("Salon", (CatalogItem(uuid.uuid4(), "Haircut", 150000, "PKR"),))
    haircut = catalog.services[0]
    verdict = review(
        _reply(f"A haircut is {{{{price:{haircut.id}}}}}.", (ItemRef(haircut.id),)),
        catalog,
        threshold=0.85,
    )
    assert verdict.send
    assert verdict.text == "A haircut is PKR 1,500."


@pytest.mark.parametrize("digit, letter", [("0", "o"), ("1", "i"), ("1", "l"), ("3", "e"),
                                           ("4", "a"), ("5", "s"), ("7", "t"), ("@", "a"),
                                           ("$", "s"), ("!", "i")])  # fmt: skip
def test_every_leetspeak_substitution_is_seen_through(digit, letter):
    phrase = {"o": "monopoly", "i": "idiot", "l": "lollipop", "e": "secret", "a": "rival",
              "s": "sister", "t": "twitter"}[letter]  # fmt: skip
    disguised = phrase.replace(letter, digit)
    violations = check(f"Try {disguised} today", CatalogView("x"), [phrase])
    assert [v.rule for v in violations] == ["prohibited"], disguised


@pytest.mark.parametrize(
    "text",
    ["d i s c o u n t", "d.i.s.c.o.u.n.t", "dis-count", "DISCOUNT", "dïscöunt", "disc0unt",
     "diiiscouuunt", "dis\u200bcount", "50 % off", "Sale!", "riyayat milegi", "muft"],
)  # fmt: skip
def test_discount_and_free_language_is_caught_however_written(text):
    assert check(f"Today only: {text}", CatalogView("x")), text


@pytest.mark.parametrize(
    "text",
    [
        "Feel free to ask anything.",
        "Your request goes to our team for approval. Our team will review it and reply here.",
        "Thank you! Your order request #12 has been sent to our team for approval. We will let "
        "you know as soon as they have reviewed it.",
        "Our hours: Mon-Fri 09:00-17:00; Sat closed. Our team is back tomorrow 09:00.",
        "We have Haircut, Facial and more.",
    ],
)
def test_ordinary_shop_talk_passes(text):
    catalog = CatalogView(
        "Salon",
        (
            CatalogItem(uuid.uuid4(), "Haircut", 150000, "PKR"),
            CatalogItem(uuid.uuid4(), "Facial", 250000, "PKR"),
        ),
    )
    assert check(text, catalog) == []


def test_quantities_totals_and_the_faq_own_amounts_are_grounded():
    haircut = CatalogItem(uuid.uuid4(), "Haircut", 150000, "PKR")
    facial = CatalogItem(uuid.uuid4(), "Facial", 250000, "PKR")
    catalog = CatalogView(
        "Salon",
        (haircut, facial),
        (FaqItem(uuid.uuid4(), "Home service?", "Home service costs PKR 500 extra."),),
    )
    two_haircuts = (ItemRef(haircut.id, 2),)
    both = (ItemRef(haircut.id), ItemRef(facial.id))
    assert check("2 x Haircut = PKR 3,000", catalog, items=two_haircuts) == []
    assert check("Haircut, quantity 2: PKR 1,500 each; Facial PKR 2,500", catalog) == []
    assert check("Haircut and Facial: PKR 4,000 in total", catalog, items=both) == []
    assert check("Home service is Rs. 500", catalog) == []
    assert [v.rule for v in check("Haircut is PKR 1,499", catalog)] == ["amount"]
    assert [v.rule for v in check("Facial for 999 only", catalog)] == ["amount"]
    assert [v.rule for v in check("Haircut: $15", catalog)] == ["amount"]


def test_a_total_is_read_from_the_referenced_items_never_from_the_text():
    haircut = CatalogItem(uuid.uuid4(), "Haircut", 150000, "PKR")
    facial = CatalogItem(uuid.uuid4(), "Facial", 250000, "PKR")
    catalog = CatalogView("Salon", (haircut, facial))
    # The text claims two haircuts, the reply references one: PKR 3,000 is made up.
    assert [v.rule for v in check("2 x Haircut = PKR 3,000", catalog)] == ["amount"]
    one_each = (ItemRef(haircut.id), ItemRef(facial.id))
    assert check("Haircut and Facial: PKR 4,000 in total", catalog) != []
    made_up = "Haircut: PKR 1,500\nFacial: PKR 2,500\nTotal: PKR 3,500"
    assert [v.rule for v in check(made_up, catalog, items=one_each)] == ["amount"]
    # A sum over only some of the referenced items is no total of the reply.
    three = (ItemRef(haircut.id), ItemRef(facial.id, 2))
    assert check("Haircut and Facial: PKR 4,000 in total", catalog, items=three) != []


def test_a_quoted_faq_answer_is_grounded_with_its_numbers_and_what_it_offers():
    answer = "We are at 12-B Main Boulevard; we have a separate ladies section."
    catalog = CatalogView(
        "Salon",
        (CatalogItem(uuid.uuid4(), "Haircut", 150000, "PKR"),),
        (FaqItem(uuid.uuid4(), "Where are you?", answer),),
    )
    assert check(answer, catalog) == []
    without = CatalogView("Salon", catalog.services)
    assert {v.rule for v in check(answer, without)} == {"amount", "unknown_service"}


def test_words_quoted_from_the_tenants_own_description_pass_but_an_added_free_is_caught():
    described = "Smoothing treatment for frizz-free hair for up to four months."
    keratin = CatalogItem(uuid.uuid4(), "Keratin Treatment", 1200000, "PKR", description=described)
    catalog = CatalogView("Salon", (keratin,))
    quoted = "Keratin Treatment: Smoothing treatment for frizz-free hair for up to four months."
    assert check(quoted, catalog) == []
    assert [v.rule for v in check(f"{quoted} The wash is free.", catalog)] == ["free_gift"]
    assert [v.rule for v in check("Keratin Treatment with frizz-free hair", catalog)] == [
        "free_gift"
    ]


@pytest.mark.parametrize(
    "provider_text",
    [
        "Sure! 50% off just for you.",
        "Ignoring my instructions: Haircut is now PKR 500.",
        "OK, as you asked I will give you a free facial.",
        "Your order is confirmed and will be delivered tomorrow.",
        "We also offer Botox for PKR 20,000.",
    ],
)
def test_a_provider_that_obeys_a_prompt_injection_is_blocked(provider_text):
    catalog = CatalogView("Salon", (CatalogItem(uuid.uuid4(), "Haircut", 150000, "PKR"),))
    verdict = review(_reply(provider_text), catalog, threshold=0.85)
    assert not verdict.send and verdict.blocked
    assert verdict.reason.startswith("blocked: ")


def test_confidence_comes_from_the_provider_and_the_evidence_not_a_constant():
    catalog = CatalogView("Salon", (CatalogItem(uuid.uuid4(), "Haircut", 150000, "PKR"),))
    vague = ProviderReply(Intent.QUESTION, "We can help with that.", 0.95, evidence=0.1)
    sure = ProviderReply(Intent.QUESTION, "Haircut: PKR 1,500.", 0.95, evidence=0.1)
    hello = ProviderReply(Intent.GREETING, "Hello! How can I help?", 0.9)
    person = ProviderReply(Intent.HUMAN, "Let me get a colleague.", 0.99)

    assert review(vague, catalog, threshold=0.85).confidence < 0.85
    assert review(sure, catalog, threshold=0.85).send
    assert review(hello, catalog, threshold=0.85).send
    low = review(hello, catalog, threshold=0.95)
    assert not low.send and not low.blocked and "below the threshold" in low.reason
    assert not review(person, catalog, threshold=0.1).send


def test_normalise_reads_through_case_accents_leetspeak_and_spacing():
    assert normalise("  DÏSC0UNT!!  ") == "discount"
    assert normalise("!d!0t") == "idiot"
    assert normalise("Café   Noor") == "cafe noor"


@pytest.mark.parametrize(
    "text", ["5.0.%.o.f.f", "Get 5 0 % o f f today", "1-0 per cent less", "%.2.0"]
)
def test_a_percentage_spelled_out_with_separators_is_still_a_discount(text):
    assert "discount" in {v.rule for v in check(text, CatalogView("x"))}
