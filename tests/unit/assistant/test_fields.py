"""Customer details and quantities, as customers write them."""

import pytest

from b2a.assistant.fields import extract_fields, extract_quantities


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("my name is Sara Ahmed", {"name": "Sara Ahmed"}),
        ("mera naam Hamza hai", {"name": "Hamza"}),
        ("I am Nadia", {"name": "Nadia"}),
        ("this is Omar from Johar Town", {"name": "Omar"}),
        (
            "name: Rabia, address: 14-C Askari 11, Lahore",
            {"name": "Rabia", "address": "14-C Askari 11, Lahore"},
        ),
        ("0301-2345678", {"phone": "03012345678"}),
        ("my number is 0321 7654321", {"phone": "03217654321"}),
        ("+92 345 1112223", {"phone": "+923451112223"}),
        ("0092 300 4445556", {"phone": "+923004445556"}),
        ("call on +44 20 7946 0958", {"phone": "+442079460958"}),
        ("email: sara.ahmed+cakes@example.co.uk", {"email": "sara.ahmed+cakes@example.co.uk"}),
        ("mera address hai House 9, Street 4, Gulberg", {"address": "House 9, Street 4, Gulberg"}),
        (
            "deliver to Flat 12, Defence View, Karachi",
            {"address": "Flat 12, Defence View, Karachi"},
        ),
        (
            "Naam Bilal, address Shop 3 Mall Road, phone 03331234567",
            {"name": "Bilal", "address": "Shop 3 Mall Road", "phone": "03331234567"},
        ),
    ],
)
def test_it_extracts_what_the_customer_gave(text, fields):
    assert extract_fields(text) == fields


@pytest.mark.parametrize(
    "text",
    [
        "what is your address?",
        "bakery ka address kya hai",
        "adress send kr dein plz",  # asking for our address
        "address share kar dein",
        "I am interested in cupcakes",
        "aap ka naam kya hai",
        "order 2 cakes for 5:30",
        "House 5 Street 2",  # an address without a cue is not taken as one
        "12345",
        "CNIC 35202-1234567-1",  # an identity card number is 13 digits, not a phone
    ],
)
def test_it_takes_nothing_that_was_not_clearly_given(text):
    assert extract_fields(text) == {}


@pytest.mark.parametrize(
    ("text", "quantities"),
    [
        ("2 chocolate cakes please", [(2, "chocolate cakes please")]),
        ("do brownies aur teen cupcake box", [(2, "brownies"), (3, "cupcake box")]),
        ("3x red velvet", [(3, "red velvet")]),
        ("4 x cookies", [(4, "cookies")]),
        ("ek cake, 12 cupcakes", [(1, "cake"), (12, "cupcakes")]),
        ("1,000 cookies for the office", [(1000, "cookies for the")]),
        ("do you have cake", []),
        ("deliver at 5:30 to House 7, Street 3", []),
        ("0300 1234567", []),
    ],
)
def test_quantities_come_with_the_words_that_follow_them(text, quantities):
    assert extract_quantities(text) == quantities


@pytest.mark.parametrize(
    ("text", "quantities"),
    [
        ("kal 3 baje beard trim book kar dein", []),
        ("parson subah 11 baje bridal makeup ki booking karni hai", []),
        ("kal raat 10 baje haircut", []),
        ("theek hai kal 2 baje book kar do", []),
        ("manicure aur pedicure dono kal shaam 6 baje", []),
        ("2 haircuts at 5pm", [(2, "haircuts at")]),
        ("2 facials tomorrow evening", [(2, "facials")]),
        ("3 facials kal 5 baje", [(3, "facials")]),
        ("12 dec ko 2 facial", [(2, "facial")]),
    ],
)
def test_a_number_read_as_a_day_or_clock_time_is_no_quantity(text, quantities):
    assert extract_quantities(text) == quantities
