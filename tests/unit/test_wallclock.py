"""CTP01 wall-clock times: the three wire formats, conversion and export formatting."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from p88.tcp.wallclock import (
    format_local,
    format_normal,
    format_unix,
    parse_wall_time,
    to_local_datetime,
)


def td(hours: int = 0, minutes: int = 0, seconds: int = 0, micros: int = 0) -> timedelta:
    return timedelta(hours=hours, minutes=minutes, seconds=seconds, microseconds=micros)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2008-10-16T14:02:15.31", datetime(2008, 10, 16, 14, 2, 15, 310_000)),
        ("2008-10-16 14:02:15.31", datetime(2008, 10, 16, 14, 2, 15, 310_000)),
        ("2021-05-08T08:04:28.64", datetime(2021, 5, 8, 8, 4, 28, 640_000)),
        ("2021-05-08T08:04:28", datetime(2021, 5, 8, 8, 4, 28)),
        ("2021-05-08T08:04:28.6", datetime(2021, 5, 8, 8, 4, 28, 600_000)),
        ("2021-05-08T08:04:28.123456", datetime(2021, 5, 8, 8, 4, 28, 123_456)),
        (" 2021-05-08T23:59:59.99 ", datetime(2021, 5, 8, 23, 59, 59, 990_000)),
    ],
)
def test_iso(text: str, expected: datetime) -> None:
    assert parse_wall_time(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14:02:15.31", td(14, 2, 15, 310_000)),
        ("00:00:00.00", td()),
        ("24:00:01.17", td(24, 0, 1, 170_000)),
        ("102:12:32.37", td(102, 12, 32, 370_000)),
        ("-00:00:03.25", -td(0, 0, 3, 250_000)),
        ("-01:00:00", -td(1)),
        ("7:05:09", td(7, 5, 9)),
        ("14:02:15.5", td(14, 2, 15, 500_000)),
        ("14:02:15.000001", td(14, 2, 15, 1)),
    ],
)
def test_normal(text: str, expected: timedelta) -> None:
    assert parse_wall_time(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1224165735.31", datetime(2008, 10, 16, 14, 2, 15, 310_000)),
        # Real 21ROTM data: local wall clock read as UTC, exact hundredths.
        ("1620458668.64", datetime(2021, 5, 8, 7, 24, 28, 640_000)),
        ("1620458668.07", datetime(2021, 5, 8, 7, 24, 28, 70_000)),
        ("1620458668", datetime(2021, 5, 8, 7, 24, 28)),
        ("1620458668.5", datetime(2021, 5, 8, 7, 24, 28, 500_000)),
        ("123456789", datetime(1973, 11, 29, 21, 33, 9)),
    ],
)
def test_unix(text: str, expected: datetime) -> None:
    assert parse_wall_time(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("abc", "not iso, normal or unix"),
        ("43455310", "msecs"),
        ("0", "msecs"),
        ("14:60:00.00", "above 59"),
        ("14:02:60.00", "above 59"),
        ("14:02:15.", "not iso"),
        ("14:02:15.1234567", "not iso"),
        ("14:2:15", "not iso"),
        ("--00:00:01", "not iso"),
        ("+00:00:01", "not iso"),
        ("1234567:00:00", "not iso"),
        ("2021-13-01T00:00:00", "not a valid date"),
        ("2021-02-30T08:00:00", "not a valid date"),
        ("2021-05-08T24:00:00", "not a valid date"),
        ("2021-05-08T08:04", "not iso"),
        ("2021-05-08", "not iso"),
        ("2021-05-08T08:04:28.64Z", "not iso"),
        ("2021-05-08T08:04:28+02:00", "not iso"),
        # Full-width digits are digits to Python's int(), not to CTP01.
        ("\uff11\uff14:02:15.31", "not iso"),
        ("1620458668.64.1", "not iso"),
        ("-1620458668.64", "not iso"),
        ("162045866812345.5", "not iso"),
        ("100000000000.00", "not iso"),
    ],
)
def test_bad_times(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_wall_time(text)


def test_to_local_datetime() -> None:
    day = date(2021, 5, 8)
    assert to_local_datetime(td(8, 4, 28, 640_000), day) == datetime(2021, 5, 8, 8, 4, 28, 640_000)
    # Hours past 24 run into the next day; a negative offset into the day before.
    assert to_local_datetime(td(24, 0, 1, 170_000), day) == datetime(2021, 5, 9, 0, 0, 1, 170_000)
    assert to_local_datetime(-td(0, 0, 3, 250_000), day) == datetime(
        2021, 5, 7, 23, 59, 56, 750_000
    )
    iso = datetime(2021, 5, 8, 8, 0, 55, 160_000)
    assert to_local_datetime(iso, date(1999, 1, 1)) == iso


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2021, 5, 8, 8, 4, 28, 640_000), "2021-05-08T08:04:28.64"),
        (datetime(2021, 5, 8, 8, 4, 28), "2021-05-08T08:04:28.00"),
        (datetime(2021, 5, 8, 8, 4, 28, 999_999), "2021-05-08T08:04:28.99"),
        (datetime(2021, 5, 8, 8, 4, 28, 9_999), "2021-05-08T08:04:28.00"),
        (datetime(2021, 12, 31, 23, 59, 59, 995_000), "2021-12-31T23:59:59.99"),
    ],
)
def test_format_local_truncates_to_hundredths(value: datetime, expected: str) -> None:
    assert format_local(value) == expected


def test_format_normal_and_unix() -> None:
    assert format_normal(datetime(2021, 5, 8, 8, 4, 28, 649_999)) == "08:04:28.64"
    assert format_normal(td(102, 12, 32, 370_000)) == "102:12:32.37"
    assert format_normal(-td(0, 0, 3, 250_000)) == "-00:00:03.25"
    assert format_unix(datetime(2021, 5, 8, 7, 24, 28, 649_999)) == "1620458668.64"
    assert format_unix(datetime(2008, 10, 16, 14, 2, 15, 310_000)) == "1224165735.31"
    with pytest.raises(ValueError, match="before 1970"):
        format_unix(datetime(1969, 12, 31, 23, 59, 59))


hundredth_datetimes = st.builds(
    lambda dt, hundredths: dt.replace(microsecond=hundredths * 10_000),
    st.datetimes(min_value=datetime(1974, 1, 1), max_value=datetime(2200, 1, 1)),
    st.integers(0, 99),
)


@given(hundredth_datetimes)
def test_every_format_round_trips(dt: datetime) -> None:
    assert parse_wall_time(format_local(dt)) == dt
    assert parse_wall_time(format_unix(dt)) == dt
    assert to_local_datetime(parse_wall_time(format_normal(dt)), dt.date()) == dt


@given(st.integers(0, 99), st.integers(0, 10**11 - 1))
def test_unix_hundredths_are_exact(hundredths: int, seconds: int) -> None:
    # Float parsing would turn some .xx values into .xx - 1 microsecond.
    expected = datetime(1970, 1, 1) + timedelta(seconds=seconds, microseconds=hundredths * 10_000)
    assert parse_wall_time(f"{seconds}.{hundredths:02d}") == expected


@given(st.datetimes(min_value=datetime(1974, 1, 1), max_value=datetime(2200, 1, 1)))
def test_format_local_never_rounds_up(dt: datetime) -> None:
    parsed = parse_wall_time(format_local(dt))
    assert isinstance(parsed, datetime)
    assert timedelta(0) <= dt - parsed < timedelta(milliseconds=10)


@given(st.text(max_size=40))
def test_parse_raises_only_value_error(text: str) -> None:
    try:
        parse_wall_time(text)
    except ValueError:
        pass
