"""Charts as server-rendered SVG: bars per day, laid out here, drawn by ``_charts.html``.

No chart library and no script: the geometry is computed in Python (so it is
tested), the template draws rectangles and text, and the same numbers are a
table for screen readers and for anyone who wants the figures. Colours come
from CSS classes (``chart-s0`` …), so the CSP's ban on inline styles holds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

WIDTH = 640
HEIGHT = 220
LEFT = 44
BOTTOM = 28
TOP = 12
RIGHT = 8
MAX_SERIES = 4


class Series(Protocol):
    """A named value per day (``analytics.tenant.DaySeries`` is one)."""

    name: str
    values: list[int]


@dataclass(frozen=True)
class Bar:
    """One rectangle: where it sits, and what it stands for."""

    x: float
    y: float
    width: float
    height: float
    series: int
    value: int
    label: str


@dataclass(frozen=True)
class Tick:
    """A labelled line across the chart at a value."""

    y: float
    label: str


@dataclass(frozen=True)
class Chart:
    """Everything the template needs to draw one chart and its table."""

    title: str
    days: list[str]
    names: list[str]
    rows: list[list[int]]
    bars: list[Bar] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    x_labels: list[tuple[float, str]] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def empty(self) -> bool:
        """Nothing happened in the period."""
        return not any(v for row in self.rows for v in row)

    @property
    def totals(self) -> list[int]:
        """Each series' total over the period."""
        return [sum(row[i] for row in self.rows) for i in range(len(self.names))]


def bar_chart(title: str, days: Sequence[date], series: Sequence[Series]) -> Chart:
    """Grouped bars, one group per day, one bar per series, on a rounded scale."""
    shown = list(series)[:MAX_SERIES]
    rows = [[s.values[i] for s in shown] for i in range(len(days))]
    top = _nice_top(max((v for row in rows for v in row), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(1, len(days))
    bar_w = max(1.0, (slot * 0.8) / max(1, len(shown)))
    bars = []
    for d, row in enumerate(rows):
        for s, value in enumerate(row):
            height = plot_h * value / top
            bars.append(
                Bar(
                    x=round(LEFT + d * slot + slot * 0.1 + s * bar_w, 2),
                    y=round(TOP + plot_h - height, 2),
                    width=round(bar_w, 2),
                    height=round(height, 2),
                    series=s,
                    value=value,
                    label=f"{shown[s].name}, {days[d]:%d %b}: {value}",
                )
            )
    ticks = [
        Tick(round(TOP + plot_h - plot_h * step / 4, 2), _short(top * step // 4))
        for step in range(5)
    ]
    every = max(1, math.ceil(len(days) / 8))
    x_labels = [
        (round(LEFT + d * slot + slot / 2, 2), f"{day:%d %b}")
        for d, day in enumerate(days)
        if d % every == 0 or d == len(days) - 1
    ]
    return Chart(
        title=title,
        days=[f"{day:%a %d %b}" for day in days],
        names=[s.name for s in shown],
        rows=rows,
        bars=bars,
        ticks=ticks,
        x_labels=x_labels,
    )


def _nice_top(value: int) -> int:
    """The axis maximum: 4, or the value rounded up to 1, 2 or 5 times a power of ten (÷4)."""
    if value <= 4:
        return 4
    magnitude = 10 ** int(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        top = int(step * magnitude)
        if top >= value and top % 4 == 0:
            return top
    return int(math.ceil(value / 4) * 4)


def _short(value: int) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    if value >= 10_000:
        return f"{value / 1000:g}k"
    return str(value)
