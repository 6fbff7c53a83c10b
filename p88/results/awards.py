"""Award lists for the race director: per course, the overall winners of each gender, then
the top N of each age group (overall winners left out of the age groups when asked, as most
races do so one runner takes one prize).

Only placed results count (finished, not held for review), by the course's ranking time;
equal times share an award place, so a list can hold more than N runners.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TextIO

from p88.results.agegroups import GENDERS
from p88.results.clock import format_elapsed
from p88.results.compute import rank
from p88.results.export import cells
from p88.results.model import Row
from p88.results.setup import Setup
from p88.results.waves import natural_key

TEXT_FIELDS = frozenset({"course", "award", "bib", "name", "age_group"})
AWARDS_HEADER = (
    "course", "award", "award_place", "bib", "name", "gender", "age_group", "time",
    "place_overall", "place_gender", "place_age_group",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class AwardRules:
    top: int = 3  # per age group
    overall: int = 3  # overall winners per gender (0: no overall awards)
    exclude_overall: bool = True  # an overall winner takes no age-group award

    def __post_init__(self) -> None:
        if not (0 < self.top <= 100 and 0 <= self.overall <= 100):
            raise ValueError("award lists: give between 1 and 100 per age group, 0 to 100 overall")


@dataclass(frozen=True, slots=True)
class Award:
    course: str
    award: str  # "Overall F", "F30-34"
    award_place: int
    row: Row


def _top(rows: Sequence[Row], count: int) -> list[tuple[int, Row]]:
    """The rows whose award place (competition ranking by ranking time) is within `count`."""
    places = rank((row.entrant.bib, row.result.ranking_time or 0) for row in rows)
    chosen = [(places[row.entrant.bib], row) for row in rows if places[row.entrant.bib] <= count]
    return sorted(chosen, key=lambda pair: (pair[0], natural_key(pair[1].entrant.bib)))


GroupKey = tuple[int, int, tuple[int, int, str]]


def _group_key(setup: Setup) -> Callable[[str], GroupKey]:
    """Age groups in band order within each gender (the file's own labels: naturally)."""
    bands = {band.name(): index for index, band in enumerate(setup.age_groups.bands)}

    def key(label: str) -> GroupKey:
        gender = GENDERS.index(label[0]) if label[:1] in GENDERS else len(GENDERS)
        band = bands.get(label[1:], len(bands)) if setup.age_groups.source == "bands" else 0
        return (gender, band, natural_key(label))

    return key


def _course_awards(course: str, rows: list[Row], rules: AwardRules, setup: Setup) -> list[Award]:
    awards: list[Award] = []
    by_gender: defaultdict[str, list[Row]] = defaultdict(list)
    for row in rows:
        if row.result.gender is not None:
            by_gender[row.result.gender].append(row)
    winners: set[str] = set()
    for gender in sorted(by_gender, key=lambda g: GENDERS.index(g) if g in GENDERS else 9):
        for place, row in _top(by_gender[gender], rules.overall) if rules.overall else ():
            awards.append(Award(course, f"Overall {gender}", place, row))
            winners.add(row.entrant.bib)
    by_group: defaultdict[str, list[Row]] = defaultdict(list)
    for row in rows:
        excluded = rules.exclude_overall and row.entrant.bib in winners
        if row.result.age_group is not None and not excluded:
            by_group[row.result.age_group].append(row)
    for group in sorted(by_group, key=_group_key(setup)):
        for place, row in _top(by_group[group], rules.top):
            awards.append(Award(course, group, place, row))
    return awards


def award_lists(rows: Iterable[Row], setup: Setup, rules: AwardRules) -> list[Award]:
    """Every course's awards, courses in setup order."""
    placed: defaultdict[str, list[Row]] = defaultdict(list)
    for row in rows:
        if row.result.placed and row.result.course is not None:
            placed[row.result.course].append(row)
    found: list[Award] = []
    for course in setup.courses:
        found.extend(_course_awards(course.name, placed[course.name], rules, setup))
    return found


def award_values(award: Award) -> dict[str, str | int | None]:
    """One award's fields by AWARDS_HEADER name (the JSON export's objects)."""
    r, p = award.row.result, award.row.places
    time = None if r.ranking_time is None else format_elapsed(r.ranking_time)
    values = (
        award.course, award.award, award.award_place, award.row.entrant.bib,
        award.row.entrant.name, r.gender, r.age_group, time, p.overall, p.gender, p.age_group,
    )  # fmt: skip
    return dict(zip(AWARDS_HEADER, values, strict=True))


def write_awards_csv(out: TextIO, awards: Iterable[Award]) -> int:
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(AWARDS_HEADER)
    count = 0
    for award in awards:
        writer.writerow(cells(award_values(award), TEXT_FIELDS))
        count += 1
    return count
