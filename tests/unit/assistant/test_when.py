"""The customer's words for a day and a time, read in the business's zone."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from b2a.assistant.when import Asked, find_time
from b2a.tenants.hours import Day

KARACHI = "Asia/Karachi"
WEDNESDAY_3PM = datetime(2026, 12, 9, 15, 0, tzinfo=ZoneInfo(KARACHI))
SALON = tuple(Day(d, time(10), time(20)) for d in range(6)) + (
    Day(6, time(10), time(20), closed=True),
)


def asked(message, now=WEDNESDAY_3PM, zone=KARACHI, opening=SALON) -> Asked | None:
    return find_time(message, now, zone, opening)


def local(day, hour, minute=0, zone=KARACHI):
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(zone))


TOMORROW, DAY_AFTER, SATURDAY = date(2026, 12, 10), date(2026, 12, 11), date(2026, 12, 12)
TODAY, NEXT_MONDAY = date(2026, 12, 9), date(2026, 12, 14)

# message, day asked (None: only a time), local clock (None: no clock), part of day, words
EXAMPLES = [
    ("kal 5 baje aa jaun?", TOMORROW, (TOMORROW, 17, 0), "", "kal 5 baje"),
    ("parson subah", DAY_AFTER, None, "morning", "parson subah"),
    ("Saturday 4pm", SATURDAY, (SATURDAY, 16, 0), "", "Saturday 4pm"),
    ("tomorrow evening please", TOMORROW, None, "evening", "tomorrow evening"),
    ("aaj shaam 6 baje", TODAY, (TODAY, 18, 0), "", "aaj shaam 6 baje"),
    ("5:30 pm", None, (TODAY, 17, 30), "", "5:30 pm"),
    ("17:00", None, (TODAY, 17, 0), "", "17:00"),
    ("5 baje", None, (TODAY, 17, 0), "", "5 baje"),
    ("11 am", None, (TOMORROW, 11, 0), "", "11 am"),
    ("next Monday", NEXT_MONDAY, None, "", "next Monday"),
    ("Monday at 11", NEXT_MONDAY, (NEXT_MONDAY, 11, 0), "", "Monday at 11"),
    ("12 Dec", SATURDAY, None, "", "12 Dec"),
    ("12/12", SATURDAY, None, "", "12/12"),
    ("12 December 3pm", SATURDAY, (SATURDAY, 15, 0), "", "12 December 3pm"),
    ("Dec 12 at 3:30 pm", SATURDAY, (SATURDAY, 15, 30), "", "Dec 12 at 3:30 pm"),
    ("dopahar 2 baje", None, (TOMORROW, 14, 0), "", "dopahar 2 baje"),
    ("raat 8 baje", None, (TODAY, 20, 0), "", "raat 8 baje"),
    ("subah 10 baje", None, (TOMORROW, 10, 0), "", "subah 10 baje"),
    ("sham 7", None, (TODAY, 19, 0), "", "sham 7"),
    ("tonight", TODAY, None, "night", "tonight"),
    ("kal", TOMORROW, None, "", "kal"),
    ("in 2 hours", TODAY, (TODAY, 17, 0), "", "in 2 hours"),
    ("aadhe ghante mein", TODAY, (TODAY, 15, 30), "", "aadhe ghante mein"),
    ("abhi", TODAY, (TODAY, 15, 0), "", "abhi"),
    ("can I come now?", TODAY, (TODAY, 15, 0), "", "now"),
    ("saade 5 baje", None, (TODAY, 17, 30), "", "saade 5 baje"),
    ("paune 6 baje", None, (TODAY, 17, 45), "", "paune 6 baje"),
    ("kal do baje", TOMORROW, (TOMORROW, 14, 0), "", "kal do baje"),
    ("Wednesday 4pm", TODAY, (TODAY, 16, 0), "", "Wednesday 4pm"),
    ("Wednesday 2pm", date(2026, 12, 16), (date(2026, 12, 16), 14, 0), "", "Wednesday 2pm"),
    ("Wednesday", TODAY, None, "", "Wednesday"),
    ("next Wednesday", date(2026, 12, 16), None, "", "next Wednesday"),
    ("Saturday ko khule ho?", SATURDAY, None, "", "Saturday"),
    ("hafta ko", SATURDAY, None, "", "hafta"),
    ("jumma ko 3 baje", date(2026, 12, 11), (date(2026, 12, 11), 15, 0), "", "jumma ko 3 baje"),
    ("on the 12th", SATURDAY, None, "", "on the 12th"),
    ("5 tareekh", date(2027, 1, 5), None, "", "5 tareekh"),
    ("1/12", date(2027, 12, 1), None, "", "1/12"),
    ("12-12-2026 at noon", SATURDAY, (SATURDAY, 12, 0), "", "12-12-2026 at noon"),
    ("kal raat 2 baje", DAY_AFTER, (DAY_AFTER, 2, 0), "", "kal raat 2 baje"),
    ("tomorrow at 7 in the evening", TOMORROW, (TOMORROW, 19, 0), "", None),
    ("5th January", date(2027, 1, 5), None, "", "5th January"),
]


@pytest.mark.parametrize(("message", "day", "clock", "part", "words"), EXAMPLES)
def test_it_reads_the_day_and_time_a_customer_asks_for(message, day, clock, part, words):
    found = asked(message)
    assert found is not None
    assert found.day == day
    assert found.at == (local(*clock) if clock else None)
    assert found.part_of_day == part
    if words is not None:
        assert found.words == words


@pytest.mark.parametrize(
    "message",
    [
        "5000",
        "price 5000 hai?",
        "2 haircuts",
        "mujhe 3 facials chahiye",
        "0300-1234567",
        "+92 300 1234567",
        "we are open 24/7?",
        "1/2 kg cake",
        "Rs 5.30",
        "PKR 1,500",
        "sun lo bhai",
        "sat log aayenge",
        "hair colour takes 2 hours",
        "aaj kal kya rate hai?",
        "3 kg at 500",
        "at 2 people",
        "",
    ],
)
def test_numbers_that_are_not_times_are_not_read_as_times(message):
    assert asked(message) is None


def test_a_bare_hour_takes_the_reading_inside_opening_hours():
    morning_shop = (Day(3, time(6), time(12)),)
    thursday = date(2026, 12, 10)
    assert asked("kal 5 baje", opening=SALON).at == local(thursday, 17)
    assert asked("kal 7 baje", opening=morning_shop).at == local(thursday, 7)
    assert asked("kal 11 baje", opening=SALON).at == local(thursday, 11)
    assert asked("kal 8 baje", opening=SALON).at == local(thursday, 8)
    late = (Day(3, time(12), time(23)),)
    assert asked("kal 8 baje", opening=late).at == local(thursday, 20)


def test_without_hours_an_hour_is_afternoon_for_1_to_7_and_morning_for_8_to_11():
    thursday = date(2026, 12, 10)
    for hour in range(1, 8):
        assert asked(f"kal {hour} baje", opening=()).at == local(thursday, hour + 12)
    for hour in range(8, 12):
        assert asked(f"kal {hour} baje", opening=()).at == local(thursday, hour)
    assert asked("kal 12 baje", opening=()).at == local(thursday, 12)


def test_a_roman_urdu_cue_settles_the_hour_whatever_the_hours():
    thursday = date(2026, 12, 10)
    assert asked("kal subah 5 baje").at == local(thursday, 5)
    assert asked("kal shaam 9 baje").at == local(thursday, 21)
    assert asked("kal dopahar 12 baje").at == local(thursday, 12)
    assert asked("kal raat 12 baje").at == local(date(2026, 12, 11), 0)


def test_today_with_a_passed_hour_reads_the_other_half_of_the_day():
    assert asked("aaj 8 baje").at == local(TODAY, 20)


def test_a_time_alone_that_has_passed_today_is_tomorrow():
    assert asked("2pm").at == local(TOMORROW, 14)
    assert asked("3pm").at == local(TOMORROW, 15)
    assert asked("3:01 pm").at == local(TODAY, 15, 1)


def test_dates_without_a_year_are_the_next_one():
    assert asked("8 Dec").day == date(2027, 12, 8)
    assert asked("9 Dec").day == TODAY
    assert asked("29 Feb").day == date(2028, 2, 29)
    assert asked("31/2") is None


def test_the_parts_of_a_phone_or_price_next_to_a_time_do_not_confuse_it():
    found = asked("Rs 1,500 wala facial kal 4 baje, number 0300-1234567")
    assert found is not None
    assert found.at == local(TOMORROW, 16)
    assert found.words == "kal 4 baje"


def test_local_times_skipped_by_daylight_saving_move_forward():
    new_york = "America/New_York"
    before = datetime(2027, 3, 13, 12, 0, tzinfo=ZoneInfo(new_york))
    found = find_time("tomorrow 2:30 am", before, new_york)
    assert found is not None
    assert found.at is not None
    assert (found.at.hour, found.at.minute) == (3, 30)
    assert found.at.utcoffset().total_seconds() == -4 * 3600


def test_repeated_local_times_take_the_first_occurrence():
    new_york = "America/New_York"
    before = datetime(2027, 11, 6, 12, 0, tzinfo=ZoneInfo(new_york))
    found = find_time("tomorrow 1:30 am", before, new_york)
    assert found is not None
    assert found.at is not None
    assert (found.at.hour, found.at.minute, found.at.fold) == (1, 30, 0)
    assert found.at.utcoffset().total_seconds() == -4 * 3600
