"""Values of an answer as people read them: times as H:MM:SS.hh, dates in ISO form."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any


def elapsed_text(value: timedelta) -> str:
    """H:MM:SS.hh, truncated to the hundredth like every time p88 shows."""
    hundredths = value // timedelta(milliseconds=10)
    sign = "-" if hundredths < 0 else ""
    hours, rest = divmod(abs(hundredths), 360_000)
    minutes, rest = divmod(rest, 6_000)
    seconds, part = divmod(rest, 100)
    return f"{sign}{hours}:{minutes:02d}:{seconds:02d}.{part:02d}"


def display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, timedelta):
        return elapsed_text(value)
    if isinstance(value, time):
        return value.strftime("%H:%M:%S.") + f"{value.microsecond // 10_000:02d}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | float):
        return f"{round(float(value), 2):g}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(display(v) for v in value)
    return str(value)


def json_value(value: Any) -> Any:
    """Numbers stay numbers; times, dates and anything else become their display text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal | float):
        return round(float(value), 2)
    return display(value)
