"""The results CSV: one row per participant (DNS included), in results order.

Elapsed times are `H:MM:SS.hh`, times of day the event's local clock `HH:MM:SS.hh`; a cell
that does not apply (no finish, no place) is empty.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Container, Iterable, Mapping
from datetime import date
from typing import TextIO

from p88.results.agegroups import runner_age
from p88.results.clock import format_elapsed, format_time_of_day
from p88.results.model import Row
from p88.results.setup import Setup
from p88.results.waves import natural_key

HEADER = (
    "course", "bib", "name", "gender", "age", "age_group", "wave", "status", "chip_time",
    "gun_time", "place_overall", "place_gender", "place_age_group", "start_time", "finish_time",
)  # fmt: skip

# Finishers with a place first, then the rest in this order.
STATUS_ORDER = {"finished": 0, "running": 1, "dnf": 2, "dq": 3, "dns": 4}
# A spreadsheet runs a cell starting with these as a formula: free text gets a quote first.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _elapsed(value: int | None) -> str | None:
    return None if value is None else format_elapsed(value)


def _moment(value: int | None) -> str | None:
    return None if value is None else format_time_of_day(value)


Value = str | int | None
TEXT_FIELDS = frozenset({"course", "bib", "name", "age_group", "wave"})


def row_values(row: Row, race_date: date | None) -> dict[str, Value]:
    """One runner's fields, by HEADER name: times formatted as in the CSV, ages and places
    as numbers, None where not applicable (the JSON export's objects)."""
    e, r, p = row.entrant, row.result, row.places
    values: list[Value] = [
        r.course if r.course is not None else e.course,
        e.bib,
        e.name,
        r.gender,
        runner_age(e.age, e.birth_date, race_date),
        r.age_group,
        r.wave,
        r.status,
        _elapsed(r.chip_time),
        _elapsed(r.gun_time),
        p.overall,
        p.gender,
        p.age_group,
        _moment(r.start),
        _moment(r.finish),
    ]
    return dict(zip(HEADER, values, strict=True))


def cells(values: Mapping[str, Value], text_fields: Container[str]) -> list[str]:
    """CSV cells: empty where not applicable, free text safe from spreadsheet formulas."""
    found = []
    for name, value in values.items():
        cell = "" if value is None else str(value)
        found.append(text(cell) if name in text_fields else cell)
    return found


def csv_row(row: Row, race_date: date | None) -> list[str]:
    return cells(row_values(row, race_date), TEXT_FIELDS)


OrderKey = tuple[int, int, int, int, tuple[int, int, str]]


def results_order(rows: Iterable[Row], setup: Setup) -> list[Row]:
    """Courses in setup order (unknown ones last); in each, places first, then finishers not
    placed, running, DNF, DQ, DNS; then by bib."""
    return sorted(rows, key=order_key(setup))


def order_key(setup: Setup) -> Callable[[Row], OrderKey]:
    """The sort key of `results_order` (unique per bib: lists page by it)."""
    courses = {course.name: index for index, course in enumerate(setup.courses)}

    def key(row: Row) -> OrderKey:
        r = row.result
        course = courses.get(r.course or "", len(courses))
        placed = r.status == "finished" and row.places.overall is not None
        return (
            course,
            0 if placed else 1 + STATUS_ORDER[r.status],
            row.places.overall or 0,
            r.ranking_time if r.ranking_time is not None else 0,
            natural_key(row.entrant.bib),
        )

    return key


def course_rows(rows: Iterable[Row], course: str) -> list[Row]:
    """The rows whose `course` column is `course` (the runner's course, or their file's when
    it is not set up)."""
    return [row for row in rows if (row.result.course or row.entrant.course) == course]


def json_rows(rows: Iterable[Row], setup: Setup) -> list[dict[str, Value]]:
    """The JSON export: the CSV's fields as objects, in results order."""
    return [row_values(row, setup.race_date) for row in results_order(rows, setup)]


def write_csv(out: TextIO, rows: Iterable[Row], setup: Setup) -> int:
    """Write the header and a row per participant; returns how many rows."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    count = 0
    for row in results_order(rows, setup):
        writer.writerow(csv_row(row, setup.race_date))
        count += 1
    return count
