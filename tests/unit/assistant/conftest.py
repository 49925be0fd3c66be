"""A bakery catalogue for the assistant's unit tests (the evaluation uses other businesses)."""

from uuid import NAMESPACE_URL, uuid5

import pytest

from b2a.assistant.shapes import CatalogItem, CatalogView, FaqItem


def item(name, price_minor, synonyms=(), description="", currency="PKR"):
    return CatalogItem(
        uuid5(NAMESPACE_URL, name), name, price_minor, currency, description, synonyms
    )


BAKERY = CatalogView(
    "Sweet Crumbs",
    services=(
        item(
            "Chocolate Cake (1 kg)", 280000, ("choco cake",), "Moist chocolate sponge with ganache."
        ),
        item("Red Velvet Cake (1 kg)", 320000, ("red velvet",), "Cream cheese frosting."),
        item(
            "Cupcakes (box of 6)", 150000, ("cupcake",), "Vanilla or chocolate, assorted toppings."
        ),
        item(
            "Birthday Cake (2 kg)",
            650000,
            ("salgirah cake", "theme cake"),
            "Custom design and name.",
        ),
        item("Brownies (box of 4)", 100000, ("brownie",), "Fudgy walnut brownies."),
        item("Cookies (500 g)", 90000, ("biscuits",), "Oatmeal and choc chip cookies."),
    ),
    faq=(
        FaqItem(uuid5(NAMESPACE_URL, "deliver"), "Do you deliver?", "Yes, anywhere in Lahore."),
        FaqItem(
            uuid5(NAMESPACE_URL, "eggless"),
            "Can you bake an eggless cake?",
            "Yes, any cake can be baked eggless; mention it when you ask.",
        ),
        FaqItem(
            uuid5(NAMESPACE_URL, "ahead"),
            "How early should I ask for a birthday cake?",
            "Two days ahead for custom designs.",
        ),
    ),
)


@pytest.fixture
def bakery() -> CatalogView:
    return BAKERY


def named(catalog: CatalogView, prefix: str) -> CatalogItem:
    return next(s for s in catalog.services if s.name.startswith(prefix))
