"""Reading a WhatsApp cart: matching its items, its prices in minor units, its flags."""

from decimal import Decimal
from uuid import uuid4

from hypothesis import example, given
from hypothesis import strategies as st

from b2a.catalog.money import exponent
from b2a.orders.carts import Offered, cart_minor, cart_quantity, match, read_cart, web_order_flag


def offered(name, sku="", price=1000, currency="USD", active=True):
    return Offered(uuid4(), name, sku, price, currency, active)


CUT = offered("Haircut", sku="HC-1")
TRIM = offered("Beard trim")
# A service whose name is another's content ID: the content ID wins.
TRICK = offered("HC-1 deluxe", sku="haircut")


def test_the_content_id_wins_over_our_id_and_our_id_over_the_name():
    services = [CUT, TRIM, TRICK]
    assert match("HC-1", services) is CUT
    assert match(" HC-1 ", services) is CUT
    assert match("hc-1", services) is None
    assert match(str(TRIM.id).upper(), services) is TRIM
    assert match("haircut", services) is TRICK
    assert match("BEARD TRIM", services) is TRIM
    assert match("", services) is None


@given(
    currency=st.sampled_from(["USD", "JPY", "KWD", "PKR"]),
    minor=st.integers(min_value=0, max_value=10**9),
)
def test_a_cart_price_in_major_units_is_exact_minor_units(currency, minor):
    major = Decimal(minor).scaleb(-exponent(currency))
    assert cart_minor(str(major), currency) == minor
    assert cart_minor(float(major), currency) == minor


def test_prices_that_do_not_fit_the_currency_are_not_amounts():
    assert cart_minor(800.5, "JPY") is None
    assert cart_minor("12.345", "USD") is None
    assert cart_minor("12.345", "KWD") == 12345
    assert cart_minor(-1, "USD") is None
    assert cart_minor("ten", "USD") is None
    assert cart_minor(True, "USD") is None
    assert cart_minor("NaN", "USD") is None


@example("²")  # a digit to str.isdigit that int() refuses
@given(st.one_of(st.integers(), st.floats(allow_nan=True), st.text(), st.booleans(), st.none()))
def test_a_quantity_is_a_whole_number_from_1_to_9999(raw):
    quantity = cart_quantity(raw)
    assert quantity is None or (isinstance(quantity, int) and 1 <= quantity <= 9999)
    if isinstance(raw, int) and not isinstance(raw, bool) and 1 <= raw <= 9999:
        assert quantity == raw


@given(
    st.lists(
        st.tuples(st.sampled_from(["HC-1", "Beard trim", "nope"]), st.integers(-3, 10020)),
        max_size=8,
    )
)
def test_every_item_is_a_line_or_a_flag_and_prices_are_ours(items):
    cart = [{"product_id": ref, "quantity": n, "price": 1, "currency": "USD"} for ref, n in items]

    lines, flags = read_cart(cart, [CUT, TRIM], "USD")

    assert len({line.service_id for line in lines}) == len(lines)
    assert all(1 <= line.quantity <= 9999 and line.unit_price_minor == 1000 for line in lines)
    good = sum(1 for ref, n in items if ref != "nope" and 1 <= n <= 9999)
    assert len(flags) >= len(items) - good
    assert bool(lines) == (good > 0)


def test_a_whatsapp_web_order_names_its_count_and_total():
    flag = web_order_flag({"order_id": "77", "item_count": 1, "total": 9.5, "currency": "eur"})
    assert flag == (
        "The items are only in the customer's WhatsApp order 77 (1 item, total 9.50 EUR): "
        "open it on the phone."
    )
    bare = web_order_flag({"order_id": "78", "item_count": 2, "total": "", "currency": ""})
    assert "WhatsApp order 78 (2 items): open it" in bare
