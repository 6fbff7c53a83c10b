"""How times read on the operator pages: wall clock to the hundredth, ages in words."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,2}))?)?$")


def clock(moment: datetime | None) -> str:
    """'08:01:02.35' (the hardware's precision)."""
    if moment is None:
        return "\u2013"
    return f"{moment:%H:%M:%S}.{moment.microsecond // 10000:02d}"


def age(moment: datetime | None, now: datetime | None = None) -> str:
    """'12 s ago', '4 min ago', '3 h ago', '2 days ago' or 'never'."""
    if moment is None:
        return "never"
    now = now or datetime.now(UTC)
    seconds = max(0, int((now - moment).total_seconds()))
    if seconds < 90:
        return f"{seconds} s ago"
    if seconds < 90 * 60:
        return f"{seconds // 60} min ago"
    if seconds < 36 * 3600:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} days ago"


def age_seconds(moment: datetime | None, now: datetime | None = None) -> float | None:
    if moment is None:
        return None
    return ((now or datetime.now(UTC)) - moment).total_seconds()


class ClockError(ValueError):
    pass


def parse_clock(text: str, day: date) -> datetime:
    """'8:00', '08:00:05' or '08:00:05.25' on the session's day (the event's wall clock)."""
    match = _CLOCK.match(text.strip())
    if not match:
        raise ClockError(
            f"{text.strip()!r} is not a time of day: write it as HH:MM:SS or HH:MM:SS.hh"
        )
    hours, minutes, seconds, hundredths = match.groups()
    try:
        moment = time(
            int(hours),
            int(minutes),
            int(seconds or 0),
            int((hundredths or "0").ljust(2, "0")) * 10000,
        )
    except ValueError as exc:
        raise ClockError(f"{text.strip()!r} is not a valid time of day") from exc
    return datetime.combine(day, moment)
