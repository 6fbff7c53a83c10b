"""Dates of birth as registration exports write them, and which order a file's numbers mean.

Read: ISO (1985-03-04, also 1985/03/04), day.month.year (1985 in Europe: 04.03.1985) and
numbers-then-year with slashes or dashes (03/04/1985), each optionally followed by the midnight
time a spreadsheet adds. Whether 03/04/1985 is March 4 or 3 April is decided per file from its
values: a first number above 12 means day first, a second number above 12 means month first.
A file with neither, or with both, is undecidable: such dates are reported until the operator
chooses the order, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

MONTH_FIRST = "mdy"
DAY_FIRST = "dmy"
ORDERS = {
    "": "from the file",
    MONTH_FIRST: "month/day/year (US)",
    DAY_FIRST: "day/month/year",
}
EARLIEST = date(1900, 1, 1)

_MIDNIGHT = r"(?:[ T]0?0:00(?::00(?:\.0+)?)?)?"
ISO = re.compile(r"(\d{4})([-/])(\d{1,2})\2(\d{1,2})" + _MIDNIGHT)
DOTTED = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})" + _MIDNIGHT)
YEAR_LAST = re.compile(r"(\d{1,2})([/-])(\d{1,2})\2(\d{4})" + _MIDNIGHT)
SHORT_YEAR = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2}")


class DateError(ValueError):
    """Why a date of birth cannot be read, worded for the operator."""


@dataclass(frozen=True, slots=True)
class DateOrder:
    order: str  # MONTH_FIRST, DAY_FIRST or "" (undecided: ambiguous dates are reported)
    note: str = ""  # what was decided from which line, or why it cannot be; "" if not needed


def decide_order(dates: Iterable[tuple[int, str]]) -> DateOrder:
    """The order of a file's numbers-then-year dates, from (line, text) of its dates of birth."""
    day_first = month_first = ambiguous = 0
    for line, raw in dates:
        match = YEAR_LAST.fullmatch(raw.strip())
        if match is None:
            continue
        first, second = int(match[1]), int(match[3])
        if first > 12 >= second:
            day_first = day_first or line
        elif second > 12 >= first:
            month_first = month_first or line
        elif first != second:
            ambiguous = ambiguous or line
    if day_first and month_first:
        return DateOrder(
            "",
            f"the dates of birth mix two orders (line {day_first} puts the day first, line "
            f"{month_first} the month): choose the order the file uses, and fix the lines "
            "that do not follow it",
        )
    if day_first:
        return DateOrder(DAY_FIRST, f"dates of birth read as day/month/year (line {day_first})")
    if month_first:
        return DateOrder(MONTH_FIRST, f"dates of birth read as month/day/year (line {month_first})")
    if ambiguous:
        return DateOrder(
            "",
            f"no date of birth tells whether the month or the day comes first (line {ambiguous} "
            "could be either): choose the order the file uses",
        )
    return DateOrder("")


def parse_date_of_birth(raw: str, order: str = "", today: date | None = None) -> date | None:
    value = raw.strip()
    if not value:
        return None
    year, month, day = _parts(value, order)
    try:
        born = date(year, month, day)
    except ValueError as exc:
        raise DateError(f"date of birth {value!r} is not a date of the calendar") from exc
    if born > (today or date.today()):
        raise DateError(f"date of birth {value!r} is in the future")
    if born < EARLIEST:
        raise DateError(f"date of birth {value!r} is before 1900")
    return born


def _parts(value: str, order: str) -> tuple[int, int, int]:
    if match := ISO.fullmatch(value):
        return int(match[1]), int(match[3]), int(match[4])
    if match := DOTTED.fullmatch(value):
        return int(match[3]), int(match[2]), int(match[1])
    if match := YEAR_LAST.fullmatch(value):
        first, second, year = int(match[1]), int(match[3]), int(match[4])
        if not order:  # this date alone must settle it
            if first == second or second > 12:
                order = MONTH_FIRST
            elif first > 12:
                order = DAY_FIRST
            else:
                raise DateError(
                    f"date of birth {value!r} could be read month first or day first: choose "
                    "the order of the file's dates"
                )
        return (year, first, second) if order == MONTH_FIRST else (year, second, first)
    if SHORT_YEAR.fullmatch(value):
        raise DateError(f"date of birth {value!r} has a two-digit year: write all four digits")
    raise DateError(
        f"date of birth {value!r} is not a date: write it as YYYY-MM-DD, MM/DD/YYYY or DD.MM.YYYY"
    )
