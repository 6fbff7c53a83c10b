"""The order of a session's public results lists, read from its engine: per course, placed
runners by place, then finishers without a place (held for review, no time), runners on the
course, DNF, DQ, DNS (the results file's order); the filters and the name/bib search over it.

A `Board` is a snapshot made at most once per COALESCE_SECONDS while the results change (30,000
runners take a few tens of milliseconds to order); rows are read from the live engine when a
page is rendered, so places and times are always current.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import trio

from p88.live.results import SessionResults
from p88.results.engine import Engine
from p88.results.model import Result
from p88.results.standings import RankingKey
from p88.web.published.pages import COALESCE_SECONDS

NO_COURSE = ""  # the list of runners whose course is not in the setup (never hidden)
STATUSES = ("finished", "running", "dnf", "dq", "dns")
_GROUP_ORDER = {"held": 0, "finished": 0, "running": 1, "dnf": 2, "dq": 3, "dns": 4}


def natural(text: str) -> tuple[tuple[int, int | str], ...]:
    """'2' before '10', 'M40-44' before 'M45-49'."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", text) if part
    )


@dataclass(frozen=True, slots=True)
class Filters:
    """What a list shows: one course (or a search over all), and optional filters."""

    course: str
    gender: str = ""
    age_group: str = ""
    status: str = ""
    search: str = ""


@dataclass(slots=True, eq=False)
class Board:
    engine: Engine
    version: int
    made_at: float
    courses: tuple[str, ...]  # setup order, NO_COURSE last when someone has no course
    order: dict[str, list[str]]  # course -> bibs in list order
    names: dict[str, str]  # bib -> name as the participant file gives it
    _lists: dict[Filters, list[str]] = field(default_factory=dict)
    _search: list[tuple[str, str]] | None = None  # (bib, folded name) in list order

    def genders(self, course: str) -> list[str]:
        keys = self.engine.rankings()
        return sorted(k.value for k in keys if k.course == course and k.kind == "gender")

    def age_groups(self, course: str) -> list[str]:
        keys = self.engine.rankings()
        groups = [k.value for k in keys if k.course == course and k.kind == "age_group"]
        return sorted(groups, key=natural)

    def bibs(self, filters: Filters) -> list[str]:
        """The bibs a list shows, in order (kept for the board's life: one filter pass)."""
        found = self._lists.get(filters)
        if found is None:
            found = self._lists[filters] = self._select(filters)
        return found

    def _select(self, filters: Filters) -> list[str]:
        if filters.search:
            return self._searched(filters.search)
        bibs = self.order.get(filters.course, [])
        if not (filters.gender or filters.age_group or filters.status):
            return bibs
        engine = self.engine
        return [
            bib
            for bib in bibs
            if (result := engine.result(bib)) is not None and _passes(result, filters)
        ]

    def _searched(self, text: str) -> list[str]:
        """Bib equal to `text` first, then names containing it (case and accents as typed)."""
        if self._search is None:
            self._search = [
                (bib, self.names.get(bib, "").casefold())
                for course in self.courses
                for bib in self.order[course]
            ]
        wanted = text.strip().casefold()
        exact = [bib for bib, _ in self._search if bib.casefold() == wanted]
        named = [bib for bib, name in self._search if wanted in name and bib not in exact]
        return exact + named


def _passes(result: Result, filters: Filters) -> bool:
    if filters.gender and result.gender != filters.gender:
        return False
    if filters.age_group and result.age_group != filters.age_group:
        return False
    return not filters.status or result.status == filters.status


def board_of(results: SessionResults) -> Board:
    """The lists of the session's results as they stand (see the module's docstring)."""
    engine = results.engine
    setup_courses = [course.name for course in engine.setup.courses]
    others: dict[str, list[Result]] = {name: [] for name in [*setup_courses, NO_COURSE]}
    for result in engine.results():
        if not result.placed:
            others.setdefault(result.course or NO_COURSE, []).append(result)
    order: dict[str, list[str]] = {}
    for course in setup_courses:
        ranking = engine.ranking(RankingKey(course, "overall", ""))
        placed = [bib for _, bib in ranking.placed] if ranking is not None else []
        order[course] = placed + _unplaced_order(others[course])
    courses = list(setup_courses)
    if others[NO_COURSE]:
        courses.append(NO_COURSE)
        order[NO_COURSE] = _unplaced_order(others[NO_COURSE])
    names: dict[str, str] = {}
    for entrant in engine.entrants:
        names.setdefault(entrant.bib, entrant.name)  # a repeated bib: the first is timed
    return Board(engine, results.version, trio.current_time(), tuple(courses), order, names)


def _unplaced_order(results: Iterable[Result]) -> list[str]:
    def key(result: Result) -> tuple[object, ...]:
        group = _GROUP_ORDER["held" if result.status == "finished" else result.status]
        time = result.ranking_time if result.ranking_time is not None else 2**62
        return (group, time if group == 0 else 0, natural(result.bib))

    return [result.bib for result in sorted(results, key=key)]


class Boards:
    """The current board of each session with public viewers."""

    def __init__(self) -> None:
        self._boards: dict[int, Board] = {}

    def of(self, results: SessionResults) -> Board:
        board = self._boards.get(results.facts.id)
        if board is not None and board.engine is results.engine:
            if board.version == results.version:
                return board
            if trio.current_time() - board.made_at < COALESCE_SECONDS:
                return board
        board = self._boards[results.facts.id] = board_of(results)
        return board
