"""Chart geometry: bars on a rounded scale, inside the frame, labelled for screen readers."""

import itertools
from dataclasses import dataclass
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st
from jinja2 import Environment, FileSystemLoader

from b2a.server.web.charts import HEIGHT, WIDTH, bar_chart
from b2a.server.web.templates import TEMPLATE_DIR


@dataclass
class S:
    name: str
    values: list[int]


DAYS = [date(2026, 3, 1) + timedelta(days=n) for n in range(7)]


def test_bars_scale_to_a_round_axis_and_say_what_they_are():
    chart = bar_chart("Messages", DAYS, [S("received", [0, 3, 7, 1, 0, 2, 9]), S("sent", [1] * 7)])
    assert chart.ticks[0].label == "0" and chart.ticks[-1].label == "12"
    tallest = max(chart.bars, key=lambda b: b.value)
    assert tallest.value == 9 and tallest.label == "received, 07 Mar: 9"
    assert chart.totals == [22, 7] and not chart.empty
    assert len(chart.bars) == 14


@given(
    st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=30),
    st.integers(min_value=1, max_value=4),
)
def test_every_bar_stays_inside_the_frame_and_height_follows_value(values, series):
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(len(values))]
    chart = bar_chart("x", days, [S(f"s{i}", values) for i in range(series)])
    for bar in chart.bars:
        assert bar.x >= 0 and bar.x + bar.width <= WIDTH + 0.01
        assert bar.y >= 0 and bar.y + bar.height <= HEIGHT + 0.01
    top = max(values)
    if top:
        # Heights are rounded to 0.01 px, so near-equal values may tie, never swap.
        by_value = sorted(chart.bars, key=lambda bar: bar.value)
        assert all(a.height <= b.height for a, b in itertools.pairwise(by_value))
        assert max(bar.height for bar in chart.bars) > 0


def test_the_template_draws_svg_and_a_table_without_inline_styles():
    env = Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=True)
    chart = bar_chart("AI <turns>", DAYS, [S("answered", [1, 2, 3, 4, 5, 6, 7])])
    html = env.from_string('{% from "_charts.html" import chart %}{{ chart(c, "t") }}').render(
        c=chart
    )
    assert html.count("<rect") == 7 and "<table>" in html
    assert "AI &lt;turns&gt;" in html and "style=" not in html
    empty = bar_chart("none", DAYS, [S("answered", [0] * 7)])
    assert "Nothing yet" in env.from_string(
        '{% from "_charts.html" import chart %}{{ chart(c, "e") }}'
    ).render(c=empty)
