"""Re-pricing into a new currency: every service gets a price in it, or nothing changes."""

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2a.catalog.money import parse_price
from b2a.catalog.rules import Priced, check_business_currency, price_field, reprice
from b2a.errors import Invalid

CURRENCY_CODES = st.sampled_from(["PKR", "USD", "JPY", "KWD"])
services = st.lists(
    st.builds(
        Priced,
        id=st.uuids(),
        name=st.text(min_size=1, max_size=10),
        price_minor=st.integers(0, 10**6),
        currency=CURRENCY_CODES,
    ),
    max_size=6,
    unique_by=lambda s: s.id,
)
typed = st.one_of(st.just(""), st.integers(0, 99_999).map(str), st.just("12.5"), st.just("abc"))


@given(listed=services, currency=CURRENCY_CODES, data=st.data())
def test_every_service_ends_in_the_new_currency_or_the_change_is_refused(listed, currency, data):
    prices = {s.id: data.draw(typed) for s in listed if data.draw(st.booleans())}
    try:
        new = reprice(listed, currency, prices)
    except Invalid as refused:
        assert refused.field in {price_field(s.id) for s in listed}
        bad = next(s for s in listed if price_field(s.id) == refused.field)
        given_price = prices.get(bad.id, "").strip()
        if given_price:
            with pytest.raises(Invalid):
                parse_price(given_price, currency)
        else:
            assert bad.currency != currency
            assert f"give {bad.name} a price in {currency}" in refused.message
        return
    assert set(new) == {s.id for s in listed}
    for service in listed:
        given_price = prices.get(service.id, "").strip()
        if given_price:
            assert new[service.id] == parse_price(given_price, currency)
        else:
            assert service.currency == currency and new[service.id] == service.price_minor


def test_a_price_for_a_service_not_listed_is_refused():
    haircut = Priced(uuid.uuid4(), "Haircut", 1500, "USD")
    with pytest.raises(Invalid) as refused:
        reprice([haircut], "PKR", {haircut.id: "1500", uuid.uuid4(): "10"})
    assert refused.value.field == "prices"


def test_a_bad_price_names_its_service():
    haircut = Priced(uuid.uuid4(), "Haircut", 1500, "USD")
    with pytest.raises(Invalid) as refused:
        reprice([haircut], "PKR", {haircut.id: "1,500"})
    assert refused.value.field == price_field(haircut.id)
    assert refused.value.message.startswith("Haircut: a price is a plain decimal")


def test_a_service_is_saved_only_in_the_business_currency():
    assert check_business_currency("", "PKR") == "PKR"
    assert check_business_currency("pkr", "PKR") == "PKR"
    with pytest.raises(Invalid) as refused:
        check_business_currency("usd", "PKR")
    assert refused.value.field == "currency"
    assert "business's currency, PKR" in refused.value.message
    assert "Settings → Currency" in refused.value.message
