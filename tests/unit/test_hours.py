"""Opening hours decide when the away message goes out."""

from datetime import UTC, datetime, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from b2a.tenants.hours import Day, describe, humans_back, is_open, next_opening

MONDAY_NOON_UTC = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_no_hours_configured_means_always_open():
    assert is_open([], "UTC", MONDAY_NOON_UTC)


def test_hours_are_read_in_the_tenant_time_zone():
    nine_to_five = [Day(d, time(9), time(17)) for d in range(7)]
    assert is_open(nine_to_five, "UTC", MONDAY_NOON_UTC)
    # 12:00 UTC is 17:00 in Karachi: closing time, so closed.
    assert not is_open(nine_to_five, "Asia/Karachi", MONDAY_NOON_UTC)


def test_a_closed_day_is_closed_all_day():
    days = [Day(0, time(0), time(23, 59), closed=True)]
    assert not is_open(days, "UTC", MONDAY_NOON_UTC)


def test_overnight_hours_run_past_midnight_into_the_next_day():
    friday_night = [Day(4, time(22), time(2))]
    friday = datetime(2026, 11, 27, tzinfo=UTC)
    assert is_open(friday_night, "UTC", friday.replace(hour=23))
    assert is_open(friday_night, "UTC", friday + timedelta(days=1, hours=1, minutes=59))
    assert not is_open(friday_night, "UTC", friday + timedelta(days=1, hours=2))
    assert not is_open(friday_night, "UTC", friday.replace(hour=1))


@given(
    opens=st.integers(0, 23),
    length=st.integers(1, 23),
    offset=st.integers(0, 7 * 24 * 60 - 1),
)
def test_every_day_with_the_same_hours_is_open_exactly_inside_them(opens, length, offset):
    closes = (opens + length) % 24
    days = [Day(d, time(opens), time(closes)) for d in range(7)]
    at = MONDAY_NOON_UTC + timedelta(minutes=offset)
    minute_of_day = at.hour * 60 + at.minute
    start, end = opens * 60, (opens + length) * 60
    inside = start <= minute_of_day < end or start <= minute_of_day + 24 * 60 < end
    assert is_open(days, "UTC", at) == inside


WEEK = [Day(d, time(9), time(17)) for d in range(5)] + [
    Day(5, time(10), time(14)),
    Day(6, time(9), time(17), closed=True),
]


def test_hours_are_described_with_equal_weekdays_grouped():
    assert describe(WEEK) == "Mon-Fri 09:00-17:00; Sat 10:00-14:00; Sun closed"
    assert describe([]) == ""


def test_the_assistant_can_say_when_humans_are_back_in_the_tenant_clock():
    sunday_23_karachi = datetime(2026, 11, 22, 18, 0, tzinfo=UTC)
    saturday_15_karachi = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
    monday_7_karachi = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    assert humans_back(WEEK, "Asia/Karachi", sunday_23_karachi) == "tomorrow 09:00"
    assert humans_back(WEEK, "Asia/Karachi", saturday_15_karachi) == "Monday 09:00"
    assert humans_back(WEEK, "Asia/Karachi", monday_7_karachi) == "today 09:00"
    assert humans_back(WEEK, "Asia/Karachi", MONDAY_NOON_UTC - timedelta(hours=5)) == ""


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    )
)
def test_the_next_opening_is_always_an_open_moment_after_now(at):
    opening = next_opening(WEEK, "Asia/Karachi", at)
    assert (opening is None) == is_open(WEEK, "Asia/Karachi", at)
    if opening is not None:
        assert opening > at
        assert is_open(WEEK, "Asia/Karachi", opening)
        assert opening - at <= timedelta(days=2, hours=19)
