"""A course's finish times as a histogram, drawn by the page template as inline SVG (no script):
bins of a round width (1, 2, 5, 10, 15, 20, 30 or 60 minutes) chosen so there are at most
MAX_BINS, bar heights relative to the fullest bin."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from p88.results.clock import MINUTE, Hundredths, format_elapsed

WIDTHS = (1, 2, 5, 10, 15, 20, 30, 60)  # minutes
MAX_BINS = 30
CHART_W, CHART_H = 600.0, 200.0  # the drawing area, in SVG units


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    count: int
    label: str  # "0:45-0:50"


@dataclass(frozen=True, slots=True)
class Histogram:
    course: str
    finishers: int
    fastest: str
    median: str
    bars: tuple[Bar, ...]
    tallest: int
    ticks: tuple[tuple[float, str], ...]  # x, "0:45" under some bar edges


def _hm(value: Hundredths) -> str:
    hours, rest = divmod(value // MINUTE, 60)
    return f"{hours}:{rest:02d}"


def histogram(course: str, times: Sequence[Hundredths]) -> Histogram | None:
    """None when nobody has a time yet. `times` are the placed finishers', sorted."""
    if not times:
        return None
    first, last = times[0], times[-1]
    width = next(
        (w * MINUTE for w in WIDTHS if (last // (w * MINUTE)) - (first // (w * MINUTE)) < MAX_BINS),
        WIDTHS[-1] * MINUTE,
    )
    start = first // width * width
    counts = [0] * ((last - start) // width + 1)
    for time in times:
        counts[(time - start) // width] += 1
    tallest = max(counts)
    step = CHART_W / len(counts)
    bars = tuple(
        Bar(
            x=i * step,
            y=CHART_H - CHART_H * count / tallest,
            width=step * 0.9,
            height=CHART_H * count / tallest,
            count=count,
            label=f"{_hm(start + i * width)}-{_hm(start + (i + 1) * width)}",
        )
        for i, count in enumerate(counts)
    )
    every = max(1, len(counts) // 6)
    ticks = tuple((i * step, _hm(start + i * width)) for i in range(0, len(counts) + 1, every))
    return Histogram(
        course,
        len(times),
        format_elapsed(first),
        format_elapsed(int(statistics.median_low(times))),
        bars,
        tallest,
        ticks,
    )
