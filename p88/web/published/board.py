"""The order of a session's public results lists, read from its engine: per course, placed
runners by place, then finishers without a place (held for review, no time), runners on the
course, DNF, DQ, DNS (the results file's order); the filters and the name/bib search.

The placed part is read from the engine's rankings at every request (a slice of a sorted list:
it is always right). What no ranking orders, the runners without a place, is a snapshot, a
`Board`, made at most once per COALESCE_SECONDS while the results change; a runner placed since
is left out of it. The search index (names) is made at most every SEARCH_SECONDS: a name
imported since is found a few seconds later.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import trio

from p88.live.results import SessionResults
from p88.results.engine import Engine
from p88.results.model import Result
from p88.results.standings import RankingKey
from p88.results.waves import natural_key
from p88.web.published.pages import COALESCE_SECONDS

NO_COURSE = ""  # the list of runners whose course is not in the setup (never hidden)
STATUSES = ("finished", "running", "dnf", "dq", "dns")
SEARCH_SECONDS = 10.0
_GROUP_ORDER = {"finished": 0, "running": 1, "dnf": 2, "dq": 3, "dns": 4}


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
    unplaced: dict[str, list[Result]]  # course -> runners without a place, in list order
    _tails: dict[Filters, list[str]] = field(default_factory=dict)

    def genders(self, course: str) -> list[str]:
        keys = self.engine.rankings()
        return sorted(k.value for k in keys if k.course == course and k.kind == "gender")

    def age_groups(self, course: str) -> list[str]:
        keys = self.engine.rankings()
        groups = [k.value for k in keys if k.course == course and k.kind == "age_group"]
        return sorted(groups, key=natural)

    def page(self, filters: Filters, first: int, size: int) -> tuple[list[str], int]:
        """The bibs of one page of a course's list (from index `first`) and the list's length.
        A runner placed since the snapshot is shown among the placed only: for that second a
        page may show one runner less, and the length count them twice."""
        placed = self._placed(filters)
        tail = self._tail(filters)
        shown = [bib for _, bib in placed[first : first + size]]
        start = max(0, first - len(placed))
        engine = self.engine
        for bib in itertools.islice(tail, start, None):
            if len(shown) >= size:
                break
            result = engine.result(bib)
            if result is not None and not result.placed:
                shown.append(bib)
        return shown, len(placed) + len(tail)

    def _tail(self, filters: Filters) -> list[str]:
        tail = self._tails.get(filters)
        if tail is None:
            tail = self._tails[filters] = [
                r.bib for r in self.unplaced.get(filters.course, ()) if _passes(r, filters)
            ]
        return tail

    def _placed(self, filters: Filters) -> Sequence[tuple[int, str]]:
        """The placed entries (time, bib) the list starts with: the engine's own sorted list."""
        if filters.status not in ("", "finished") or filters.course == NO_COURSE:
            return ()
        if filters.age_group:
            key = RankingKey(filters.course, "age_group", filters.age_group)
        elif filters.gender:
            key = RankingKey(filters.course, "gender", filters.gender)
        else:
            key = RankingKey(filters.course, "overall", "")
        ranking = self.engine.ranking(key)
        if ranking is None:
            return ()
        if filters.age_group and filters.gender:  # age groups of a file may mix genders
            result = self.engine.result
            return [
                e for e in ranking.placed if getattr(result(e[1]), "gender", None) == filters.gender
            ]
        return ranking.placed


def _passes(result: Result, filters: Filters) -> bool:
    if filters.gender and result.gender != filters.gender:
        return False
    if filters.age_group and result.age_group != filters.age_group:
        return False
    return not filters.status or result.status == filters.status


def board_of(results: SessionResults, ranks: dict[str, int]) -> Board:
    """The runners without a place as they stand (see the module's docstring). `ranks` is
    every bib's position in natural order (kept between boards: ordering 30,000 bibs by
    their natural key each time cost more than the rest of the board)."""
    engine = results.engine
    setup_courses = [course.name for course in engine.setup.courses]
    groups: dict[str, list[list[Result]]] = {}
    for result in engine.results():
        if not result.placed:
            by_group = groups.get(result.course or NO_COURSE)
            if by_group is None:
                by_group = groups[result.course or NO_COURSE] = [[] for _ in _GROUP_ORDER]
            by_group[_GROUP_ORDER[result.status]].append(result)
    if any(r.bib not in ranks for by_group in groups.values() for g in by_group for r in g):
        ranks.clear()
        ordered = sorted((r.bib for r in engine.results()), key=natural_key)
        ranks.update((bib, n) for n, bib in enumerate(ordered))
    unplaced: dict[str, list[Result]] = {}
    for course, by_group in groups.items():
        finished, *others = by_group  # held, or no time to rank by: by time, then bib
        finished.sort(key=lambda r: (r.ranking_time is None, r.ranking_time or 0, ranks[r.bib]))
        for group in others:
            group.sort(key=lambda r: ranks[r.bib])
        unplaced[course] = [r for group in by_group for r in group]
    courses = [*setup_courses, NO_COURSE] if NO_COURSE in unplaced else setup_courses
    return Board(engine, results.version, trio.current_time(), tuple(courses), unplaced)


@dataclass(slots=True, eq=False)
class SearchIndex:
    """Every runner's bib and name, searched in one pass over one string (30,000 names in
    about a millisecond)."""

    engine: Engine
    made_at: float
    bibs: list[str]  # bib order
    by_bib: dict[str, str]  # folded bib -> bib
    names: str  # the folded names, one per line, in bib order
    starts: list[int]  # where each name starts in `names`

    def find(self, text: str) -> list[str]:
        """The bib equal to `text` first, then the runners whose name contains it."""
        wanted = " ".join(text.split()).casefold()
        if not wanted:
            return []
        exact = self.by_bib.get(wanted)
        found = [exact] if exact is not None else []
        at = self.names.find(wanted)
        while at >= 0:
            index = bisect.bisect_right(self.starts, at) - 1
            if self.bibs[index] != exact:
                found.append(self.bibs[index])
            if index + 1 == len(self.starts):
                break
            at = self.names.find(wanted, self.starts[index + 1])
        return found


def search_index_of(engine: Engine) -> SearchIndex:
    names: dict[str, str] = {}
    for entrant in engine.entrants:
        folded = " ".join(entrant.name.split()).casefold()
        names.setdefault(entrant.bib, folded)  # a repeated bib: the first is timed
    bibs = sorted(names, key=natural_key)
    starts, at = [], 0
    for bib in bibs:
        starts.append(at)
        at += len(names[bib]) + 1
    return SearchIndex(
        engine,
        trio.current_time(),
        bibs,
        {bib.casefold(): bib for bib in reversed(bibs)},
        "\n".join(names[bib] for bib in bibs),
        starts,
    )


class Boards:
    """The current board and search index of each session with public viewers."""

    def __init__(self) -> None:
        self._boards: dict[int, Board] = {}
        self._indexes: dict[int, SearchIndex] = {}
        self._ranks: dict[int, dict[str, int]] = {}

    def of(self, results: SessionResults) -> Board:
        board = self._boards.get(results.facts.id)
        if board is not None and board.engine is results.engine:
            if board.version == results.version:
                return board
            if trio.current_time() - board.made_at < COALESCE_SECONDS:
                return board
        ranks = self._ranks.setdefault(results.facts.id, {})
        board = self._boards[results.facts.id] = board_of(results, ranks)
        return board

    def search(self, results: SessionResults) -> SearchIndex:
        index = self._indexes.get(results.facts.id)
        fresh = index is not None and index.engine is results.engine
        if index is None or not fresh or trio.current_time() - index.made_at > SEARCH_SECONDS:
            index = self._indexes[results.facts.id] = search_index_of(results.engine)
        return index
