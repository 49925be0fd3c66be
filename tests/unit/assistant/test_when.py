"""The customer's words for a day and a time, read in the business's zone."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from b2a.assistant.when import Asked, find_time
from b2a.tenants.hours import Day, wall_clock

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
    ("kal 10:30", TOMORROW, (TOMORROW, 10, 30), "", "kal 10:30"),
    ("kal 08:00", TOMORROW, (TOMORROW, 8, 0), "", "kal 08:00"),
    ("kal 5:30", TOMORROW, (TOMORROW, 17, 30), "", "kal 5:30"),
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
    ("kal 5?", TOMORROW, (TOMORROW, 17, 0), "", "kal 5"),
    ("Saturday 4 theek hai?", SATURDAY, (SATURDAY, 16, 0), "", "Saturday 4"),
    ("kal 5 pe aa jaun", TOMORROW, (TOMORROW, 17, 0), "", "kal 5"),
    ("half past 5", None, (TODAY, 17, 30), "", "half past 5"),
    ("quarter to 6 tomorrow", TOMORROW, (TOMORROW, 17, 45), "", "quarter to 6 tomorrow"),
    ("Sat 4pm", SATURDAY, (SATURDAY, 16, 0), "", "Sat 4pm"),
    ("this evening", TODAY, None, "evening", "this evening"),
    ("2moro 3pm", TOMORROW, (TOMORROW, 15, 0), "", "2moro 3pm"),
    ("May 5", date(2027, 5, 5), None, "", "May 5"),
    ("1/2 at 5pm", date(2027, 2, 1), (date(2027, 2, 1), 17, 0), "", "1/2 at 5pm"),
    ("agle jummay ko", date(2026, 12, 11), None, "", "agle jummay"),
    ("tomorrow 5-6pm", TOMORROW, (TOMORROW, 17, 0), "", "tomorrow 5-6pm"),
    ("11-1pm kal", TOMORROW, (TOMORROW, 11, 0), "", "11-1pm kal"),
    ("kal 11-12pm", TOMORROW, (TOMORROW, 11, 0), "", "kal 11-12pm"),
    ("kal 11 se 1 baje", TOMORROW, (TOMORROW, 11, 0), "", "kal 11 se 1 baje"),
    ("between 2 and 4 tomorrow", TOMORROW, (TOMORROW, 14, 0), "", None),
    ("Thursday the 17th", date(2026, 12, 17), None, "", "the 17th"),
    ("2026-12-17 15:00", date(2026, 12, 17), (date(2026, 12, 17), 15, 0), "", "2026-12-17 15:00"),
    ("tmrw evng", TOMORROW, None, "evening", "tmrw evng"),
    ("ajj 4 baje", TODAY, (TODAY, 16, 0), "", "ajj 4 baje"),
    ("hafte ko 4 baje", SATURDAY, (SATURDAY, 16, 0), "", "hafte ko 4 baje"),
    ("budhwar 5 baje", TODAY, (TODAY, 17, 0), "", "budhwar 5 baje"),
    ("Can I get an appointment on Friday at 3?", DAY_AFTER, (DAY_AFTER, 15, 0), "", None),
    ("facial for 2 people at 4pm tomorrow", TOMORROW, (TOMORROW, 16, 0), "", "4pm tomorrow"),
    ("bridal makeup 20 dec ko chahiye", date(2026, 12, 20), None, "", "20 dec"),
    ("tomorrow at midnight", DAY_AFTER, (DAY_AFTER, 0, 0), "", "tomorrow at midnight"),
    ("within an hour", TODAY, (TODAY, 16, 0), "", "within an hour"),
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
        "agle hafte",
        "abhi tak jawab nahi aaya",
        "3-5 people",
        "2-3 haircuts",
        "Rs 500-600",
        "is hafte ka rate",
        "hair colour ka time kitna lagta hai?",
        "order #10 status?",
        "Rs. 2,500 for 3 hours",
        "",
    ],
)
def test_numbers_that_are_not_times_are_not_read_as_times(message):
    assert asked(message) is None


@pytest.mark.parametrize("message", ["kal 5 cakes", "kal 5 log aayenge", "kal 5 aur 6 ke beech"])
def test_a_number_after_a_day_that_counts_something_is_not_an_hour(message):
    found = asked(message)
    assert found == Asked(TOMORROW, None, "", "kal")


def test_kal_in_the_past_tense_is_yesterday_and_not_asked_for():
    assert asked("kal message kiya tha, koi jawab nahi") is None
    found = asked("main kal aaya tha, aaj 5 baje aa jaun?")
    assert found == Asked(TODAY, local(TODAY, 17), "", "aaj 5 baje")


def test_may_as_a_word_is_not_the_month():
    assert asked("may 2 people come?") is None
    assert asked("I may come") is None


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


def test_a_time_skipped_today_that_has_passed_on_the_wall_clock_is_tomorrows():
    new_york = "America/New_York"
    after_the_jump = datetime(2027, 3, 14, 3, 0, tzinfo=ZoneInfo(new_york))
    found = find_time("2:05am", after_the_jump, new_york)
    assert found is not None
    assert found.at == datetime(2027, 3, 15, 2, 5, tzinfo=ZoneInfo(new_york))


def test_repeated_local_times_take_the_first_occurrence():
    new_york = "America/New_York"
    before = datetime(2027, 11, 6, 12, 0, tzinfo=ZoneInfo(new_york))
    found = find_time("tomorrow 1:30 am", before, new_york)
    assert found is not None
    assert found.at is not None
    assert (found.at.hour, found.at.minute, found.at.fold) == (1, 30, 0)
    assert found.at.utcoffset().total_seconds() == -4 * 3600


# --- properties ----------------------------------------------------------------------------

ZONES = ["Asia/Karachi", "Europe/London", "America/New_York"]
TRANSITIONS = [
    datetime(2027, 3, 14, 2),  # New York springs forward
    datetime(2027, 11, 7, 1),  # New York falls back
    datetime(2027, 3, 28, 1),  # London springs forward
    datetime(2027, 10, 31, 1),  # London falls back
]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def twelve_hour(at: time) -> str:
    hour = at.hour % 12 or 12
    minutes = f":{at.minute:02d}" if at.minute else ""
    return f"{hour}{minutes}{'pm' if at.hour >= 12 else 'am'}"


def roman_urdu(at: time) -> str | None:
    """The hour with its Roman Urdu part of day ("shaam 5 baje"), when one says it exactly."""
    if at.hour == 0:
        return None
    part = (
        "subah"
        if at.hour < 12
        else "dopahar"
        if at.hour < 16
        else "shaam"
        if at.hour < 20
        else "raat"
    )
    hour = at.hour % 12 or 12
    if at.minute == 30:
        return f"{part} saade {hour} baje"
    if at.minute == 15:
        return f"{part} sawa {hour} baje"
    minutes = f":{at.minute:02d}" if at.minute else ""
    return f"{part} {hour}{minutes} baje"


def renderings(target: datetime, local_now: datetime) -> list[str]:
    """Ways a customer writes ``target``, each only where it names exactly that moment."""
    day, clock = target.date(), target.time()
    ahead = (day - local_now.date()).days
    forms = [
        f"{day.day} {MONTHS[day.month - 1]} {clock:%H:%M}",
        f"{day.day}/{day.month} at {twelve_hour(clock)}",
        f"{MONTHS[day.month - 1]} {day.day}, {twelve_hour(clock)}",
        f"{day.day} {MONTHS[day.month - 1]} {day.year} at {clock:%H:%M}",
    ]
    if ahead < 7:
        forms.append(f"{WEEKDAYS[day.weekday()]} {twelve_hour(clock)}")
    if 1 <= ahead <= 7:
        forms.append(f"next {WEEKDAYS[day.weekday()]} at {clock:%H:%M}")
    urdu = roman_urdu(clock)
    if ahead == 1:
        forms.append(f"tomorrow at {twelve_hour(clock)}")
        if urdu:
            forms.append(f"kal {urdu}")
    if ahead == 2 and urdu:
        forms.append(f"parson {urdu}")
    if ahead == 0:
        forms.append(f"today {clock:%H:%M}")
        if urdu:
            forms.append(f"aaj {urdu}")
    if ahead == 0 or (ahead == 1 and clock <= local_now.time()):
        forms.append(twelve_hour(clock))
    return forms


@st.composite
def now_and_target(draw):
    """A moment in a zone and a later local time within 30 days, often across a DST change."""
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))
    if draw(st.booleans()):
        change = draw(st.sampled_from(TRANSITIONS))
        base = change + timedelta(minutes=draw(st.integers(-3 * 24 * 60, 12 * 60)))
        day = change.date() + timedelta(days=draw(st.integers(0, 1)))
    else:
        base = draw(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 1)))
        day = base.date() + timedelta(days=draw(st.integers(0, 30)))
    local_now = wall_clock(base.date(), base.time().replace(second=0, microsecond=0), zone)
    clock = time(draw(st.integers(0, 23)), draw(st.sampled_from([0, 5, 15, 30, 45, 59])))
    target = wall_clock(day, clock, zone)
    assume(target.time() == clock)  # skipped by a DST change: no customer says it
    assume(local_now < target and (target.date() - local_now.date()).days <= 30)
    return local_now, target


@settings(max_examples=400)
@given(now_and_target(), st.data())
def test_a_future_moment_written_many_ways_reads_back_as_itself(moment, data):
    local_now, target = moment
    message = data.draw(st.sampled_from(renderings(target, local_now)))
    found = find_time(message, local_now, local_now.tzinfo.key)
    assert found is not None, message
    assert found.at == target, message
    assert found.at.utcoffset() == target.utcoffset(), message
    assert found.at.tzinfo.key == local_now.tzinfo.key
    assert found.words and found.words in message


NOT_TIMES = st.one_of(
    st.integers(0, 10**7).map(lambda n: f"Rs {n:,}"),
    st.integers(0, 10**7).map(lambda n: f"PKR {n}"),
    st.integers(0, 10**7).map(str),
    st.integers(1, 99).map(lambda n: f"{n} haircuts"),
    st.integers(1, 99).map(lambda n: f"{n} kg cake"),
    st.integers(1, 20).map(lambda n: f"mujhe {n} chahiye"),
    st.integers(1, 99).map(lambda n: f"{n}% off"),
    st.integers(300, 349).flatmap(
        lambda p: st.integers(10**6, 10**7 - 1).map(lambda n: f"0{p}-{n}")
    ),
    st.integers(300, 349).flatmap(
        lambda p: st.integers(10**6, 10**7 - 1).map(lambda n: f"+92 {p} {n}")
    ),
    st.integers(1, 9999).map(lambda n: f"{n / 100:.2f}"),
    st.sampled_from(
        ["24/7", "1/2 kg", "3/4", "price", "kitne ka hai", "total kya hoga", "shukriya"]
    ),
)


@settings(max_examples=300)
@given(st.lists(NOT_TIMES, min_size=1, max_size=4).map(" ".join))
def test_prices_quantities_and_phone_numbers_are_never_times(message):
    assert find_time(message, WEDNESDAY_3PM, KARACHI, SALON) is None, message


EVERY_DAY_10_TO_20 = tuple(Day(d, time(10), time(20)) for d in range(7))


def bare_hours(target: datetime, local_now: datetime) -> list[str]:
    """Hours without am/pm or a cue, which the opening hours 10–20 settle."""
    day, clock = target.date(), target.time()
    ahead = (day - local_now.date()).days
    hour = clock.hour % 12 or 12
    said = f"{hour}:{clock.minute:02d}" if clock.minute else f"{hour}"
    forms = [f"{day.day} {MONTHS[day.month - 1]} {said} baje", f"{day.day}/{day.month} at {said}"]
    if ahead == 1:
        forms += [f"kal {said} baje", f"tomorrow at {said}", f"kal {said}?"]
    if ahead < 7:
        forms += [f"{WEEKDAYS[day.weekday()]} {said}", f"{WEEKDAYS[day.weekday()]} ko {said} baje"]
    return forms


@settings(max_examples=300)
@given(now_and_target(), st.data())
def test_a_bare_hour_inside_the_opening_hours_reads_back_as_itself(moment, data):
    local_now, target = moment
    assume(time(10) <= target.time() < time(20))
    message = data.draw(st.sampled_from(bare_hours(target, local_now)))
    found = find_time(message, local_now, local_now.tzinfo.key, EVERY_DAY_10_TO_20)
    assert found is not None, message
    assert found.at == target, message
    assert found.day == target.date(), message
    assert found.words and found.words in message
