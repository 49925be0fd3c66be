"""Ranked retrieval of services: typos, synonyms, Roman Urdu filler, and nothing made up."""

import random
import string
import time
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2a.assistant.retrieval import analyse, rank
from b2a.assistant.shapes import CatalogItem, CatalogView, FaqItem
from b2a.assistant.text import canonical, distance, words
from tests.unit.assistant.conftest import BAKERY, named


def top(text, catalog=BAKERY):
    matches = rank(catalog, text)
    return matches[0] if matches else None


@pytest.mark.parametrize(
    ("text", "service"),
    [
        ("chocolate cake", "Chocolate Cake"),
        ("Chocolate Cake ka rate?", "Chocolate Cake"),
        ("choclate cake", "Chocolate Cake"),  # a letter missing
        (
            "chocolate ckae",
            "Chocolate Cake",
        ),  # two letters swapped in a short word: the other one says it
        ("red velvett please", "Red Velvet Cake"),
        ("redvelvet", "Red Velvet Cake"),  # written together
        ("cup cakes ka box", "Cupcakes"),  # written apart
        ("brownise", "Brownies"),
        ("BROWNIES!!!", "Brownies"),
        ("salgirah cake chahiye", "Birthday Cake"),  # a synonym in Roman Urdu
        ("theme cake for my son", "Birthday Cake"),
        ("biscuits", "Cookies"),
    ],
)
def test_it_finds_the_service_meant_despite_typos_synonyms_and_spacing(text, service):
    best = top(text)
    assert best is not None
    assert best.id == named(BAKERY, service).id
    assert best.score >= 0.5


def test_a_name_said_exactly_scores_one():
    assert top("brownies").score == 1.0


def test_a_typo_scores_a_little_less_than_the_exact_name():
    assert top("brownise").score < top("brownies").score


def test_a_word_the_catalogue_contains_is_not_read_as_its_neighbour():
    colour = CatalogItem(uuid.uuid4(), "Hair Colour", 1000, "PKR", "", ("balon ka rang",))
    salon = CatalogItem(uuid.uuid4(), "Salon Visit", 1000, "PKR")
    catalog = CatalogView("Salon", (colour, salon))
    assert [m.id for m in rank(catalog, "salon kahan hai")] == [salon.id]
    assert [m.id for m in rank(catalog, "balon ka rang")] == [colour.id]


def test_a_longer_form_of_a_catalogue_word_still_meets_it():
    delivery = CatalogItem(uuid.uuid4(), "Cake Delivery", 30000, "PKR")
    found = rank(CatalogView("Bakery", (delivery,)), "deliver karo")
    assert found and found[0].id == delivery.id


def test_the_fuller_match_ranks_first():
    ids = [m.id for m in rank(BAKERY, "chocolate cake")]
    assert ids[0] == named(BAKERY, "Chocolate Cake").id
    assert named(BAKERY, "Red Velvet").id in ids  # also a cake, ranked below


def test_a_word_shared_by_several_services_names_none_of_them_surely():
    matches = rank(BAKERY, "cake")
    assert len(matches) >= 3
    assert all(m.score < 0.75 for m in matches)


@pytest.mark.parametrize("text", ["price kya hai", "kitne ka hai bhai?", "please batao", "ok"])
def test_asking_without_naming_anything_matches_nothing(text):
    assert analyse(BAKERY, text).matches == []
    assert analyse(BAKERY, text).unknown == []


def test_words_the_catalogue_does_not_know_are_reported():
    found = analyse(BAKERY, "pizza kitne ka hai")
    assert found.matches == []
    assert found.unknown == [canonical("pizza")]


def test_the_limit_caps_the_matches():
    assert len(rank(BAKERY, "cake box chocolate vanilla", limit=2)) == 2


@given(st.text(max_size=80))
def test_scores_stay_between_zero_and_one_best_first(text):
    scores = [m.score for m in rank(BAKERY, text, limit=20)]
    assert all(0 < s <= 1 for s in scores)
    assert scores == sorted(scores, reverse=True)


@given(
    st.text(alphabet=string.ascii_lowercase, max_size=12),
    st.text(alphabet=string.ascii_lowercase, max_size=12),
)
def test_distance_is_symmetric_and_capped(a, b):
    assert distance(a, b, 2) == distance(b, a, 2) <= 3
    assert distance(a, a, 0) == 0


def test_distance_counts_a_swap_as_one_edit():
    assert distance("haircut", "hiarcut", 2) == 1
    assert distance("kitten", "sitting", 5) == 3


def test_canonical_words_fold_case_accents_plurals_and_doubled_letters():
    assert words("Cafés HAIRCUTS Pleeease") == ["cafe", "haircut", "please"]
    assert canonical("classes") == canonical("class")
    assert canonical("fees") == canonical("fee")


def test_a_few_hundred_services_answer_within_milliseconds():
    rng = random.Random(7)
    vocabulary = [
        "".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 10))) for _ in range(2000)
    ]

    def phrase(k):
        return " ".join(rng.choices(vocabulary, k=k))

    catalog = CatalogView(
        "Big shop",
        tuple(
            CatalogItem(uuid.uuid4(), phrase(3), 1000, "PKR", phrase(15), (phrase(2), phrase(2)))
            for _ in range(300)
        ),
        tuple(FaqItem(uuid.uuid4(), phrase(8), phrase(25)) for _ in range(40)),
    )
    messages = [f"price of {phrase(2)}" for _ in range(100)] + [
        f"{phrase(1)}x chahiye" for _ in range(100)
    ]
    rank(catalog, "warm up the index")
    started = time.perf_counter()
    for message in messages:
        rank(catalog, message)
    assert (time.perf_counter() - started) / len(messages) < 0.02
