"""CTP01 times: parse the three wire formats, convert to a local datetime, format for export.

Every CTP01 time is the event's local wall clock with no zone, so everything here is naive;
turning it into a true instant is the caller's job (with the event's configured time zone).

Formats (see shared/docs/CTP01.md, "Time"):
- iso    `2008-10-16T14:02:15.31` (a space instead of `T` is accepted) -> naive datetime
- normal `14:02:15.31`, `102:12:32.37`, `-00:00:03.25` -> timedelta since local midnight
- unix   `1224165735.31` (local wall clock read as UTC) -> naive datetime

`msecs` is not supported: its documented example contradicts itself, and p88 never requests
it. A digits-only value is read as unix seconds when it has at least 9 digits (every unix time
since 1973); shorter digits-only values are rejected rather than guessed at.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

ISO_SHAPE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?"
"""The iso format's exact shape, without groups: datetime.fromisoformat judges the values.
p88.tcp.plain_runs embeds it in its pattern for a run of plain reads, so both agree."""
_ISO = re.compile(ISO_SHAPE)
_FRACTION = r"(?:\.([0-9]{1,6}))?"
# Hours do not wrap at midnight; six digits is over a century and keeps timedelta in range.
_NORMAL = re.compile(r"(-?)([0-9]{1,6}):([0-9]{2}):([0-9]{2})" + _FRACTION)
# Eleven integer digits reach year 5138; twelve could overflow datetime (year 9999).
_UNIX_FRACTION = re.compile(r"([0-9]{1,11})\.([0-9]{1,6})")
_UNIX_WHOLE = re.compile(r"([0-9]{9,11})")
_EPOCH = datetime(1970, 1, 1)

WallTime = datetime | timedelta


def parse_wall_time(text: str) -> WallTime:
    """Parse a CTP01 time field; raise ValueError naming the problem when it is not one."""
    value = text.strip()
    if not value:
        raise ValueError("empty time")
    if m := _ISO.fullmatch(value):
        return _iso(m)
    if m := _NORMAL.fullmatch(value):
        return _normal(m)
    if m := _UNIX_FRACTION.fullmatch(value) or _UNIX_WHOLE.fullmatch(value):
        return _unix(m)
    if value.isascii() and value.isdigit():
        raise ValueError(f"time {value!r} looks like msecs, which is not supported")
    raise ValueError(f"time {value!r} is not iso, normal or unix")


def _micros(fraction: str | None) -> int:
    """Fractional-second digits (0-6 of them) as whole microseconds, exactly."""
    return int((fraction or "0").ljust(6, "0"))


def _iso(m: re.Match[str]) -> datetime:
    try:
        # The regex has proven the shape; the C parser is exact for 0-6 fraction digits and
        # ten times faster than building the datetime here (this is the collector's hot path).
        return datetime.fromisoformat(m.string)
    except ValueError as exc:
        raise ValueError(f"time {m.string!r} is not a valid date and time: {exc}") from None


def _normal(m: re.Match[str]) -> timedelta:
    sign, hours, minutes, seconds, fraction = m.groups()
    if int(minutes) > 59 or int(seconds) > 59:
        raise ValueError(f"time {m.string!r} has minutes or seconds above 59")
    since_midnight = timedelta(
        hours=int(hours),
        minutes=int(minutes),
        seconds=int(seconds),
        microseconds=_micros(fraction),
    )
    return -since_midnight if sign else since_midnight


def _unix(m: re.Match[str]) -> datetime:
    # Integer microseconds, never float: 1620458668.64 must stay .64, not .639999.
    fraction = m.group(2) if m.re is _UNIX_FRACTION else None
    return _EPOCH + timedelta(microseconds=int(m.group(1)) * 1_000_000 + _micros(fraction))


def to_local_datetime(value: WallTime, day: date) -> datetime:
    """A parsed time as a naive local datetime; a normal-format offset counts from `day`."""
    if isinstance(value, timedelta):
        return datetime.combine(day, time()) + value
    return value


def format_local(dt: datetime) -> str:
    """`2021-05-08T08:04:28.64`: ISO 8601, hundredths truncated (never rounded up a second).

    An aware datetime is formatted as its own wall clock; the zone is not written.
    """
    return (
        f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}T"
        f"{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}.{dt.microsecond // 10_000:02d}"
    )


def format_normal(value: WallTime) -> str:
    """`14:02:15.31`: a datetime's time of day, or a signed offset from midnight (no wrap)."""
    if isinstance(value, datetime):
        value = value - datetime.combine(value.date(), time())
    sign = "-" if value < timedelta(0) else ""
    micros = abs(value) // timedelta(microseconds=1)
    seconds, micros = divmod(micros, 1_000_000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{sign}{hours:02d}:{minutes:02d}:{seconds:02d}.{micros // 10_000:02d}"


def format_unix(dt: datetime) -> str:
    """`1224165735.31`: the wall clock read as UTC, hundredths truncated."""
    if dt.replace(tzinfo=None) < _EPOCH:
        raise ValueError(f"{dt} is before 1970; unix time cannot express it")
    micros = (dt.replace(tzinfo=None) - _EPOCH) // timedelta(microseconds=1)
    seconds, micros = divmod(micros, 1_000_000)
    return f"{seconds}.{micros // 10_000:02d}"
