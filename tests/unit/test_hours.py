"""Opening hours decide when the away message goes out."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import assume, given
from hypothesis import strategies as st

from b2a.tenants.hours import (
    Day,
    day_hours,
    describe,
    hours_on,
    humans_back,
    is_open,
    next_opening,
    open_spans,
    wall_clock,
)

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


SALON = [Day(d, time(10), time(20)) for d in range(6)] + [Day(6, time(10), time(20), closed=True)]
SATURDAY, SUNDAY = date(2026, 12, 12), date(2026, 12, 13)


def test_the_hours_of_one_date_are_said_in_words():
    assert hours_on(SALON, SATURDAY) == "10:00\u201320:00"
    assert hours_on(SALON, SUNDAY) == "closed"
    assert hours_on([Day(4, time(22), time(2))], date(2026, 12, 11)) == "22:00\u201302:00"
    assert hours_on([Day(4, time(22), time(2))], SATURDAY) == "closed"
    assert hours_on([], SUNDAY) == ""
    assert hours_on([Day(6, time(0), time(0))], SUNDAY) == "all day"
    assert day_hours(SALON, SATURDAY) == SALON[5]
    assert day_hours(SALON, SUNDAY) is None


def test_open_spans_start_with_the_current_one_and_skip_closed_days():
    karachi = ZoneInfo("Asia/Karachi")
    saturday_3pm = datetime(2026, 12, 12, 15, tzinfo=karachi)
    spans = open_spans(SALON, "Asia/Karachi", saturday_3pm, 3)
    assert [(s.opens, s.closes) for s in spans] == [
        (datetime(2026, 12, 12, 10, tzinfo=karachi), datetime(2026, 12, 12, 20, tzinfo=karachi)),
        (datetime(2026, 12, 14, 10, tzinfo=karachi), datetime(2026, 12, 14, 20, tzinfo=karachi)),
        (datetime(2026, 12, 15, 10, tzinfo=karachi), datetime(2026, 12, 15, 20, tzinfo=karachi)),
    ]
    assert open_spans([], "Asia/Karachi", saturday_3pm) == []
    closing_time = saturday_3pm.replace(hour=20)
    assert open_spans(SALON, "Asia/Karachi", closing_time, 1)[0].opens.day == 14


def test_an_overnight_span_still_running_after_midnight_comes_first():
    friday_night = [Day(4, time(22), time(2))]
    saturday_1am = datetime(2026, 11, 28, 1, tzinfo=UTC)
    [span] = open_spans(friday_night, "UTC", saturday_1am, 1)
    assert (span.opens, span.closes) == (
        datetime(2026, 11, 27, 22, tzinfo=UTC),
        datetime(2026, 11, 28, 2, tzinfo=UTC),
    )


def test_one_open_day_a_week_still_gives_as_many_spans_as_asked():
    only_monday = [Day(0, time(9), time(17))]
    spans = open_spans(only_monday, "UTC", MONDAY_NOON_UTC, 4)
    assert [s.opens.date() for s in spans] == [
        date(2026, 11, 23) + timedelta(weeks=n) for n in range(4)
    ]


def test_a_local_time_skipped_by_daylight_saving_moves_forward():
    new_york = ZoneInfo("America/New_York")
    skipped = wall_clock(date(2027, 3, 14), time(2, 30), new_york)
    assert (skipped.hour, skipped.minute, skipped.utcoffset()) == (3, 30, timedelta(hours=-4))
    repeated = wall_clock(date(2027, 11, 7), time(1, 30), new_york)
    assert (repeated.hour, repeated.fold, repeated.utcoffset()) == (1, 0, timedelta(hours=-4))


_clock = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
_week = st.lists(
    st.builds(Day, st.integers(0, 6), _clock, _clock, st.booleans()),
    min_size=1,
    max_size=7,
    unique_by=lambda day: day.weekday,
).filter(lambda days: any(not d.closed for d in days))


@given(
    days=_week,
    zone=st.sampled_from(["Asia/Karachi", "UTC"]),
    at=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2028, 1, 1), timezones=st.just(UTC)
    ),
)
def test_a_moment_is_within_hours_exactly_when_an_open_span_holds_it(days, zone, at):
    """opens <= t < closes, overnight spans included, as is_open and open_spans both read it."""
    spans = open_spans(days, zone, at, 1)
    inside = bool(spans) and spans[0].opens <= at < spans[0].closes
    assert is_open(days, zone, at) == inside
    assert all(span.closes > at for span in spans)


@given(
    days=_week,
    zone=st.sampled_from(["Europe/London", "America/New_York"]),
    at=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2028, 1, 1), timezones=st.just(UTC)
    ),
)
def test_in_daylight_saving_zones_hours_hold_away_from_the_changed_hour(days, zone, at):
    """Where no opening or closing falls in the hours a DST change skips or repeats."""
    assume(all(not time(1) <= t < time(3) for d in days for t in (d.opens, d.closes)))
    spans = open_spans(days, zone, at, 1)
    inside = bool(spans) and spans[0].opens <= at < spans[0].closes
    assert is_open(days, zone, at) == inside
