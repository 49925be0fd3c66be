"""When paced messages will leave: an estimate that never reorders and never beats the limit."""

from hypothesis import given
from hypothesis import strategies as st

from b2a.outbox.rules import departures


def test_a_full_window_sends_the_line_as_its_slots_free():
    # 3 per 10 s, taken 9, 5 and 1 s ago: slots free in 1, 5 and 9 s, then 10 s later each.
    leaving = departures([9.0, 5.0, 1.0], limit=3, window=10, count=5, first=1.0)
    assert leaving == [1.0, 5.0, 9.0, 11.0, 15.0]


def test_free_slots_go_at_once_and_another_limit_can_hold_the_head_longer():
    assert departures([2.0], limit=3, window=10, count=4, first=0.0) == [0.0, 0.0, 8.0, 10.0]
    assert departures([], limit=3, window=10, count=2, first=4.0) == [4.0, 4.0]
    assert departures([5.0], limit=0, window=10, count=2, first=3.0) == [3.0, 3.0]


@given(
    ages=st.lists(st.floats(0, 60, allow_nan=False), max_size=12),
    limit=st.integers(1, 10),
    window=st.floats(0.5, 60, allow_nan=False),
    count=st.integers(0, 40),
    first=st.floats(0, 120, allow_nan=False),
)
def test_the_line_keeps_its_order_and_no_window_holds_more_than_the_limit(
    ages, limit, window, count, first
):
    leaving = departures(ages, limit=limit, window=window, count=count, first=first)
    assert len(leaving) == count
    assert leaving == sorted(leaving) and all(t >= first for t in leaving)
    live = sorted(-age for age in ages if age < window)
    taken = live[max(0, len(live) - limit) :] + leaving
    for start in taken:
        inside = [t for t in taken if start <= t < start + window - 1e-9]
        assert len(inside) <= limit
