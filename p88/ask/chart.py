"""A bar or line chart for answers that are a number per group or per time, laid out as SVG
shapes the page draws (no script; the server knows the sizes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from p88.ask.values import display

NUMERIC_TYPES = frozenset({"int2", "int4", "int8", "numeric", "float4", "float8", "interval"})
TIME_LABEL_TYPES = frozenset({"date", "timestamp", "timestamptz"})
MAX_POINTS = 60
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 260, 70, 60, 24


@dataclass(frozen=True, slots=True)
class Point:
    label: str
    value: float  # seconds for times
    text: str  # the value as the table shows it


@dataclass(frozen=True, slots=True)
class Chart:
    kind: str  # bar | line
    label: str  # what the groups are (column names joined)
    measure: str  # the column charted
    points: tuple[Point, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "label": self.label,
            "measure": self.measure,
            "points": [{"label": p.label, "value": p.value, "text": p.text} for p in self.points],
        }

    def shapes(self) -> dict[str, Any]:
        """Coordinates in a WIDTH x HEIGHT box: bars (x, y, w, h) or one polyline, labels."""
        top = max((p.value for p in self.points), default=0.0) or 1.0
        plot_w, plot_h = WIDTH - LEFT - 10, HEIGHT - BOTTOM - TOP
        step = plot_w / max(1, len(self.points))
        items = []
        for index, point in enumerate(self.points):
            height = max(0.0, point.value) / top * plot_h
            x = LEFT + index * step
            items.append({
                "x": round(x + step * 0.1, 1), "w": round(step * 0.8, 1),
                "cx": round(x + step / 2, 1), "y": round(TOP + plot_h - height, 1),
                "h": round(height, 1), "label": point.label, "text": point.text,
            })  # fmt: skip
        line = " ".join(f"{i['cx']},{i['y']}" for i in items)
        return {
            "width": WIDTH,
            "height": HEIGHT,
            "items": items,
            "line": line,
            "base": TOP + plot_h,
            "left": LEFT,
            "top_text": _axis(top, self.points),
        }


def _axis(top: float, points: tuple[Point, ...]) -> str:
    if points and ":" in points[0].text:
        return _clock(top)
    return f"{top:g}"


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def chart_of(
    columns: tuple[str, ...],
    types: tuple[str, ...],
    rows: list[tuple[Any, ...]],
    kind: str | None = None,
) -> Chart | None:
    """A chart when the answer is one number per group: leading label columns, then numbers,
    the last of which is charted. `kind` forces bar or line; else dates and years make a line."""
    if not 2 <= len(rows) <= MAX_POINTS or len(columns) < 2 or types[-1] not in NUMERIC_TYPES:
        return None
    labels = 0
    while labels < len(columns) - 1 and _is_label(columns[labels], types[labels]):
        labels += 1
    if labels == 0 or not all(t in NUMERIC_TYPES for t in types[labels:]):
        return None
    points = []
    for row in rows:
        value = _number(row[-1])
        if value is None:
            return None
        label = " · ".join(display(v) for v in row[:labels])
        points.append(Point(label, value, display(row[-1])))
    over_time = types[0] in TIME_LABEL_TYPES or columns[0] in ("year", "day", "month")
    return Chart(kind or ("line" if over_time else "bar"), " · ".join(columns[:labels]),
                 columns[-1], tuple(points))  # fmt: skip


def _is_label(name: str, type_name: str) -> bool:
    return type_name not in NUMERIC_TYPES or name in ("year", "month", "event_id")


def _number(value: Any) -> float | None:
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | Decimal):
        return float(value)
    return None
