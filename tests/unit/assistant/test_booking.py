"""The offline assistant books a time and fills the order's slots from natural answers."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from b2a.assistant.catalog_provider import answer
from b2a.assistant.shapes import (
    AssistantRequest,
    CatalogView,
    FaqItem,
    Intent,
    OrderInProgress,
    OrderLine,
    Turn,
)
from b2a.tenants.hours import Day, describe
from tests.unit.assistant.conftest import item

KARACHI = "Asia/Karachi"
ZONE = ZoneInfo(KARACHI)
# Monday 7 December 2026, 11:00 in Lahore.
NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
OPENING = (*(Day(d, time(10), time(20)) for d in range(6)), Day(6, time(10), time(20), True))
MANICURE = item("Manicure", 120000)
SALON = CatalogView("Glow Salon", services=(MANICURE, item("Haircut", 150000)))
ASKED_TIME = (
    "Noted:\nManicure, quantity 1: PKR 1,200 each\nYour request goes to our team for approval.\n"
    "What time tomorrow? We are open 10:00–20:00.\n"
    "Order request #12: PKR 1,200 in total, waiting for your preferred time and name."
)
BOOK = "I want to book a manicure tomorrow"


def salon(message, *, history=(), order=None, required=("name", "time"), known=None):
    return answer(
        AssistantRequest(
            SALON,
            message,
            history=tuple(history),
            known_fields=known or {},
            required_fields=required,
            hours=describe(OPENING),
            now=NOW,
            time_zone=KARACHI,
            opening=OPENING,
            orders_need="time",
            order=order,
        )
    )


def draft(missing, requested_at=None):
    line = OrderLine(MANICURE.id, "Manicure", 1, 120000)
    return OrderInProgress(12, "DRAFT", (line,), 120000, "PKR", requested_at, tuple(missing))


def local(day, hour):
    return datetime(2026, 12, day, hour, 0, tzinfo=ZONE)


def test_a_booking_for_tomorrow_keeps_the_day_and_asks_the_time_inside_its_hours():
    reply = salon(BOOK)
    assert reply.intent is Intent.ORDER and reply.items[0].service_id == MANICURE.id
    assert reply.requested_at is None
    assert reply.text.endswith("What time tomorrow? We are open 10:00–20:00.")


def test_a_bare_hour_on_the_day_said_before_is_stored_and_the_rest_asked_in_one_question():
    history = [Turn(True, BOOK), Turn(False, ASKED_TIME)]
    reply = salon("5 baje", history=history, order=draft(["time", "name"]))
    assert reply.intent is Intent.DETAILS and reply.confidence >= 0.85
    assert reply.requested_at == local(8, 17)
    assert reply.text == "17:00 tomorrow works. Please share your name."


def test_a_time_outside_that_days_hours_is_refused_with_them_and_asked_again():
    history = [Turn(True, BOOK), Turn(False, ASKED_TIME)]
    reply = salon("raat 9 baje", history=history, order=draft(["time", "name"]))
    assert reply.requested_at is None
    assert "outside our opening hours: Tuesday 10:00–20:00" in reply.text
    assert reply.text.endswith("What time tomorrow? We are open 10:00–20:00.")


def test_a_closed_day_asks_for_another_day():
    reply = salon("I want to book a manicure on Sunday")
    assert reply.requested_at is None
    assert "We are closed on Sundays. Which other day suits you?" in reply.text


def test_a_day_and_time_said_at_once_is_taken_with_the_order():
    reply = salon("manicure book kar do kal 5 baje")
    assert reply.intent is Intent.ORDER
    assert reply.requested_at == local(8, 17)
    assert reply.text.endswith("17:00 tomorrow works. Please share your name.")


def test_a_bare_name_answers_the_name_asked_for():
    asked = (
        "17:00 tomorrow works. Please share your name.\nOrder request #12: waiting for your name."
    )
    history = [Turn(True, BOOK), Turn(False, ASKED_TIME), Turn(True, "5 baje"), Turn(False, asked)]
    reply = salon("Sana Tariq", history=history, order=draft(["name"], local(8, 17)))
    assert reply.intent is Intent.DETAILS and reply.confidence >= 0.85
    assert reply.fields == {"name": "Sana Tariq"}
    assert reply.text == "Thank you, Sana Tariq. That is everything we need."


def test_several_answers_in_the_order_asked_and_an_address_said_in_roman_urdu():
    asked = "Please share your name and address."
    history = [Turn(True, "2 haircuts chahiye"), Turn(False, asked)]
    order = draft(["name", "address"])
    reply = salon("sana tariq, Gulberg mein", history=history, order=order, required=())
    assert reply.fields == {"name": "Sana Tariq", "address": "Gulberg"}


def test_a_short_reply_that_fits_nothing_gets_the_question_again_not_a_hand_off():
    history = [Turn(True, BOOK), Turn(False, ASKED_TIME)]
    reply = salon("hmm ok", history=history, order=draft(["time", "name"]))
    assert reply.intent is Intent.DETAILS and reply.confidence >= 0.85
    assert reply.text == "Sorry, I did not catch that. What time tomorrow? We are open 10:00–20:00."


def test_a_question_or_a_person_asked_for_takes_its_usual_path():
    history = [Turn(True, BOOK), Turn(False, ASKED_TIME)]
    price = salon("haircut kitne ka hai?", history=history, order=draft(["time", "name"]))
    assert price.intent is Intent.QUESTION and "PKR 1,500" in price.text
    person = salon("I want to talk to a person", history=history, order=draft(["time"]))
    assert person.intent is Intent.HUMAN


def test_a_name_is_no_name_with_digits_or_filler():
    asked = "Please share your name."
    history = [Turn(True, BOOK), Turn(False, asked)]
    for message in ("Room 5", "yes please"):
        reply = salon(message, history=history, order=draft(["name"], local(8, 17)))
        assert "name" not in reply.fields, message


def test_more_services_while_details_are_asked_add_to_the_order_not_a_slot():
    asked = "Please share your name."
    history = [Turn(True, BOOK), Turn(False, asked)]
    reply = salon("1 haircut bhi", history=history, order=draft(["name"], local(8, 17)))
    assert reply.intent is Intent.ORDER and len(reply.items) == 1


def test_a_question_the_faq_answers_mid_booking_is_answered_not_asked_again():
    where = FaqItem(MANICURE.id, "Where are you?", "Shop 12, Main Boulevard, Gulberg, Lahore")
    history = [Turn(True, BOOK), Turn(False, ASKED_TIME)]
    request = AssistantRequest(
        CatalogView("Glow Salon", SALON.services, (where,)),
        "where are you?",
        history=tuple(history),
        required_fields=("name", "time"),
        now=NOW,
        time_zone=KARACHI,
        opening=OPENING,
        orders_need="time",
        order=draft(["time", "name"]),
    )
    reply = answer(request)
    assert "Main Boulevard" in reply.text and "did not catch" not in reply.text


NAME_ASKED = "11:00 on Wednesday 9 December works. Please share your name."


def test_a_surname_that_is_a_word_for_the_owner_is_a_name_not_a_person_asked_for():
    history = [Turn(True, BOOK), Turn(False, NAME_ASKED)]
    reply = salon("Sadia Malik", history=history, order=draft(["name"], local(9, 11)))
    assert reply.intent is Intent.DETAILS and reply.fields == {"name": "Sadia Malik"}
    for message in ("malik se baat karao", "manager bulao", "real person"):
        person = salon(message, history=history, order=draft(["name"], local(9, 11)))
        assert person.intent is Intent.HUMAN, message


def test_a_capitalised_name_may_hold_a_filler_word_but_not_only_filler():
    history = [Turn(True, BOOK), Turn(False, NAME_ASKED)]
    reply = salon("Zara Ahmed", history=history, order=draft(["name"], local(9, 11)))
    assert reply.fields == {"name": "Zara Ahmed"}
    reply = salon("Theek Hai", history=history, order=draft(["name"], local(9, 11)))
    assert "name" not in reply.fields


def test_an_order_cue_with_the_time_the_draft_waits_for_says_that_time():
    history = [Turn(True, "kal raat 10 baje manicure"), Turn(False, ASKED_TIME)]
    reply = salon("theek hai 7 baje kar dein", history=history, order=draft(["time", "name"]))
    assert reply.intent is Intent.DETAILS and reply.confidence >= 0.85
    assert reply.requested_at == local(8, 19) and not reply.items
    assert reply.text == "19:00 tomorrow works. Please share your name."


def test_services_and_a_time_wanted_are_an_order_in_a_business_that_books_times():
    reply = salon("manicure aur haircut dono kal shaam 6 baje")
    assert reply.intent is Intent.ORDER and len(reply.items) == 2
    assert all(ref.quantity == 1 for ref in reply.items)
    assert reply.requested_at == local(8, 18)


def test_the_service_answering_which_service_is_ordered_for_the_time_said_before():
    first = salon("kal 12 baje ka appointment chahiye")
    assert first.intent is Intent.ORDER and "Which service would you like?" in first.text
    history = [Turn(True, "kal 12 baje ka appointment chahiye"), Turn(False, first.text)]
    reply = salon("haircut", history=history)
    assert reply.intent is Intent.ORDER and reply.confidence >= 0.85
    assert [ref.quantity for ref in reply.items] == [1]
    assert reply.requested_at == local(8, 12)
    assert reply.text.endswith("12:00 tomorrow works. Please share your name.")


def test_a_numbered_address_with_commas_answers_the_address_alone():
    history = [Turn(True, "2 haircuts chahiye"), Turn(False, "Please share your name and address.")]
    order = draft(["name", "address"])
    text = "House 12, Street 5, DHA Phase 6 Karachi"
    reply = salon(text, history=history, order=order, required=())
    assert reply.intent is Intent.DETAILS and reply.confidence >= 0.85
    assert reply.fields == {"address": text}
    assert reply.text.endswith("Please share your name.")


def test_an_order_cue_after_a_price_question_orders_the_service_just_asked_about():
    history = [Turn(True, "manicure kitne ka hai"), Turn(False, "Manicure: PKR 1,200")]
    reply = salon("ok 2 set bana dein", history=history)
    assert reply.intent is Intent.ORDER and reply.confidence >= 0.85
    assert [(ref.service_id, ref.quantity) for ref in reply.items] == [(MANICURE.id, 2)]


def test_a_service_matched_only_by_an_order_word_gives_way_to_the_one_asked_about():
    trial = item(
        "Trial Lesson",
        1250,
        description="One lesson to meet the tutor before you join.",
        currency="USD",
    )
    physics = item("A Level Physics (monthly)", 15000, ("physics",), currency="USD")
    tutor = CatalogView("Tutor", services=(trial, physics))
    history = (Turn(True, "physics ki fees kitni hai"), Turn(False, "A Level Physics: USD 150"))
    reply = answer(AssistantRequest(tutor, "ok join karna hai", history=history))
    assert reply.intent is Intent.ORDER and reply.confidence >= 0.85
    assert [ref.service_id for ref in reply.items] == [physics.id]


def test_one_of_two_details_asked_said_alone_is_that_detail():
    history = [Turn(True, "2 haircuts chahiye"), Turn(False, "Please share your name and address.")]
    order = draft(["name", "address"])
    place = salon("Gulberg mein", history=history, order=order, required=())
    assert place.fields == {"address": "Gulberg"}
    assert place.text.endswith("Please share your name.")
    name = salon("Kamran Ali", history=history, order=order, required=())
    assert name.fields == {"name": "Kamran Ali"}
    assert name.text.endswith("Please share your address.")


def test_details_after_the_request_is_complete_ask_for_nothing_more():
    waiting = OrderInProgress(12, "PENDING_APPROVAL", (), 120000, "PKR", local(8, 17), ())
    reply = salon("0300 1234567", order=waiting, known={"name": "Sana Tariq"})
    assert reply.fields == {"phone": "03001234567"}
    assert "time" not in reply.text and "Please also" not in reply.text


def test_details_with_no_request_open_never_ask_for_a_time():
    reply = salon("mera naam Sana hai", required=("name", "phone", "time"))
    assert reply.text == "Thank you, I have noted your name. Please also share your phone number."
