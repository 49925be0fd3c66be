"""Opening hours decide when the away message goes out."""

from datetime import UTC, datetime, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from b2a.tenants.hours import Day, is_open

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
