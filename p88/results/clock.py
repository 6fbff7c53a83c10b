"""Times in the results engine: whole hundredths of a second, as integers.

Reads carry the event's local wall clock (naive datetimes, p88.tcp.wallclock); the engine
counts hundredths since 1970-01-01 00:00 of that same wall clock. Truncating to hundredths
once, on the way in, is what makes "ties to the hundredth" exact: two runners whose times
print the same share a place. Elapsed times are differences of these integers.
"""

from __future__ import annotations

from datetime import datetime, timedelta

Hundredths = int

EPOCH = datetime(1970, 1, 1)
HUNDREDTH = timedelta(milliseconds=10)
SECOND: Hundredths = 100
MINUTE: Hundredths = 60 * SECOND
HOUR: Hundredths = 60 * MINUTE
DAY: Hundredths = 24 * HOUR
METRES_PER_MILE = 1609.344


def hundredths(moment: datetime) -> Hundredths:
    """An event-local wall-clock datetime as hundredths since the epoch, truncated."""
    return (moment - EPOCH) // HUNDREDTH


def local_datetime(moment: Hundredths) -> datetime:
    """The inverse of `hundredths`: the event-local wall clock, naive."""
    return EPOCH + moment * HUNDREDTH


def elapsed(delta: timedelta) -> Hundredths:
    """A duration (a minimum time, a record) in whole hundredths, truncated."""
    return delta // HUNDREDTH


def _clock(value: Hundredths, hour_width: int) -> str:
    hours, rest = divmod(value, HOUR)
    minutes, rest = divmod(rest, MINUTE)
    seconds, hundredth = divmod(rest, SECOND)
    return f"{hours:0{hour_width}d}:{minutes:02d}:{seconds:02d}.{hundredth:02d}"


def format_elapsed(value: Hundredths) -> str:
    """`1:23:45.67`: H:MM:SS.hh, hours not wrapped, a minus sign when negative."""
    sign = "-" if value < 0 else ""
    return sign + _clock(abs(value), 1)


def format_time_of_day(moment: Hundredths) -> str:
    """`08:04:28.64`: the event-local time of day of a moment, HH:MM:SS.hh."""
    return _clock(moment % DAY, 2)


def pace(time: Hundredths, distance_m: float, per_m: float) -> Hundredths:
    """Hundredths per `per_m` metres (1000: per km; METRES_PER_MILE) over `distance_m` > 0."""
    return int(time * per_m // distance_m)


def format_pace(value: Hundredths) -> str:
    """`4:35`: minutes and whole seconds (a pace is read to the second)."""
    minutes, rest = divmod(value, MINUTE)
    return f"{minutes}:{rest // SECOND:02d}"
