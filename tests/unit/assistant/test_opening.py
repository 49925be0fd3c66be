"""Hours questions about one day or one moment get a yes or a no, from the weekly hours."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2a.assistant.catalog_provider import answer
from b2a.assistant.guardrails import check
from b2a.assistant.opening import answer_hours
from b2a.assistant.shapes import AssistantRequest, CatalogView, Intent
from b2a.tenants.hours import Day, day_hours, describe, is_open

KARACHI = ZoneInfo("Asia/Karachi")
SALON = tuple(Day(d, time(10), time(20)) for d in range(6)) + (
    Day(6, time(10), time(20), closed=True),
)
WEDNESDAY_3PM = datetime(2026, 12, 9, 15, 0, tzinfo=KARACHI)
WEDNESDAY_9PM = datetime(2026, 12, 9, 21, 0, tzinfo=KARACHI)
SUNDAY_9AM = datetime(2026, 12, 13, 9, 0, tzinfo=KARACHI)


def ask(message, now=WEDNESDAY_3PM, opening=SALON):
    request = AssistantRequest(
        CatalogView("Glow Salon"),
        message,
        hours=describe(opening),
        now=now,
        time_zone="Asia/Karachi",
        opening=opening,
    )
    return answer(request)


@pytest.mark.parametrize(
    ("message", "now", "expected"),
    [
        (
            "Are you open on Sunday?",
            WEDNESDAY_3PM,
            "No, we are closed on Sunday. Next we are open on Monday: 10:00–20:00.",
        ),
        ("Sunday?", WEDNESDAY_3PM, "No, we are closed on Sunday."),
        ("Saturday ko khule ho?", WEDNESDAY_3PM, "Yes, on Saturday we are open 10:00–20:00."),
        ("kal khule ho?", WEDNESDAY_3PM, "Yes, tomorrow (Thursday) we are open 10:00–20:00."),
        (
            "open at 9pm today?",
            WEDNESDAY_3PM,
            "No, we are closed today at 21:00. We open again tomorrow at 10:00.",
        ),
        (
            "aaj raat 9 baje khula hai?",
            WEDNESDAY_3PM,
            "No, we are closed today at 21:00. We open again tomorrow at 10:00.",
        ),
        ("open at 6pm today?", WEDNESDAY_3PM, "Yes, we are open today at 18:00, until 20:00."),
        (
            "what time do you close today?",
            WEDNESDAY_3PM,
            "Today (Wednesday) we close at 20:00 (we are open 10:00–20:00).",
        ),
        (
            "kal kitne baje khulega?",
            WEDNESDAY_3PM,
            "Tomorrow (Thursday) we open at 10:00 (we are open 10:00–20:00).",
        ),
        ("abhi khula hai?", WEDNESDAY_3PM, "Yes, we are open now, until 20:00."),
        (
            "aaj kab tak khula hai?",
            WEDNESDAY_3PM,
            "Today (Wednesday) we close at 20:00 (we are open 10:00–20:00).",
        ),
        (
            "how late are you open on Saturday?",
            WEDNESDAY_3PM,
            "On Saturday we close at 20:00 (we are open 10:00–20:00).",
        ),
        (
            "are you open now?",
            WEDNESDAY_9PM,
            "No, we are closed now. We open again tomorrow at 10:00.",
        ),
        (
            "what time do you close?",
            WEDNESDAY_9PM,
            "Today we were open 10:00–20:00; we are closed now. "
            "Next we are open tomorrow (Thursday): 10:00–20:00.",
        ),
        (
            "Are you open on Sunday?",
            SUNDAY_9AM,
            "No, we are closed today (Sunday). Next we are open tomorrow (Monday): 10:00–20:00.",
        ),
        (
            "open at 9am tomorrow?",
            WEDNESDAY_3PM,
            "No, we are closed tomorrow at 09:00. Tomorrow we are open 10:00–20:00.",
        ),
        ("open on 25 Dec?", WEDNESDAY_3PM, "Yes, on Friday 25 Dec we are open 10:00–20:00."),
        ("jumma ko band hai?", WEDNESDAY_3PM, "No, on Friday we are open 10:00–20:00."),
        ("Sunday ko chutti hai?", WEDNESDAY_3PM, "Yes, we are closed on Sunday."),
        ("Sunday ko open ho ya band?", WEDNESDAY_3PM, "No, we are closed on Sunday."),
        ("are you closed on Sunday?", WEDNESDAY_3PM, "Yes, we are closed on Sunday."),
        (
            "closed at 9pm today?",
            WEDNESDAY_3PM,
            "Yes, we are closed today at 21:00. We open again tomorrow at 10:00.",
        ),
        ("kal 5 baje band hai?", WEDNESDAY_3PM, "No, we are open tomorrow at 17:00, until 20:00."),
    ],
)
def test_a_question_about_one_day_or_moment_is_answered_exactly(message, now, expected):
    reply = ask(message, now)
    assert reply.intent is Intent.HOURS
    assert reply.text.startswith(expected)
    assert reply.confidence >= 0.85
    assert check(reply.text, CatalogView("Glow Salon")) == []


def test_a_question_about_the_hours_in_general_still_gets_the_week():
    reply = ask("timing kya hai?")
    assert reply.text == "Our hours: Mon-Sat 10:00-20:00; Sun closed."


def test_overnight_hours_are_answered_across_midnight():
    bar = (Day(4, time(22), time(2)),)
    friday_11pm = datetime(2026, 12, 11, 23, tzinfo=KARACHI)
    text = answer_hours("open at 1am?", friday_11pm, "Asia/Karachi", bar)
    assert text == "Yes, we are open tomorrow at 01:00, until 02:00."
    assert answer_hours("Friday?", friday_11pm, "Asia/Karachi", bar) == (
        "Yes, today (Friday) we are open 22:00–02:00."
    )


def test_a_business_open_round_the_clock_is_open_all_day_without_an_until():
    always = tuple(Day(d, time(0), time(0)) for d in range(7))
    assert answer_hours("Sunday?", WEDNESDAY_3PM, "Asia/Karachi", always) == (
        "Yes, on Sunday we are open all day."
    )
    assert answer_hours("abhi khula hai?", WEDNESDAY_3PM, "Asia/Karachi", always) == (
        "Yes, we are open now."
    )
    assert answer_hours("when do you close today?", WEDNESDAY_3PM, "Asia/Karachi", always) == (
        "Today (Wednesday) we are open all day."
    )


def test_without_hours_or_a_moment_there_is_no_exact_answer():
    assert answer_hours("Sunday?", WEDNESDAY_3PM, "Asia/Karachi", ()) is None
    assert answer_hours("Sunday?", None, "Asia/Karachi", SALON) is None
    assert answer_hours("timing?", WEDNESDAY_3PM, "Asia/Karachi", SALON) is None
    assert answer_hours("evening mein?", WEDNESDAY_3PM, "Asia/Karachi", SALON) is None


def test_the_day_is_read_in_the_business_zone():
    karachi_sunday_1am = datetime(2026, 12, 12, 20, 0, tzinfo=ZoneInfo("UTC"))
    text = answer_hours("aaj khule ho?", karachi_sunday_1am, "Asia/Karachi", SALON)
    assert text is not None
    assert text.startswith("No, we are closed today (Sunday).")


_clock = st.builds(time, st.integers(0, 23), st.sampled_from([0, 30]))
_week = st.lists(
    st.builds(Day, st.integers(0, 6), _clock, _clock, st.booleans()),
    min_size=1,
    max_size=7,
    unique_by=lambda day: day.weekday,
)
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


@given(days=_week, weekday=st.integers(0, 6), ahead=st.integers(0, 60 * 24 * 6))
def test_yes_to_a_day_exactly_when_that_day_has_hours(days, weekday, ahead):
    now = WEDNESDAY_3PM + timedelta(minutes=ahead)
    text = answer_hours(f"Are you open on {WEEKDAYS[weekday]}?", now, "Asia/Karachi", days)
    assert text is not None
    asked_day = now.date() + timedelta(days=(weekday - now.weekday()) % 7)
    has_hours = day_hours(days, asked_day) is not None
    finished_today = asked_day == now.date() and text.startswith("Today we were open")
    assert text.startswith("Yes") == (has_hours and not finished_today), text


@given(days=_week, hours_ahead=st.integers(1, 24 * 6), minute=st.sampled_from([0, 15, 30, 45]))
def test_yes_to_a_moment_exactly_when_the_business_is_open_then(days, hours_ahead, minute):
    at = (WEDNESDAY_3PM + timedelta(hours=hours_ahead)).replace(minute=minute)
    question = f"open on {at.day} Dec at {at:%H:%M}?"
    text = answer_hours(question, WEDNESDAY_3PM, "Asia/Karachi", days)
    assert text is not None
    assert text.startswith("Yes") == is_open(days, "Asia/Karachi", at), (question, text)
