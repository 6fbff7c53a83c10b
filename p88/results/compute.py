"""Results from scratch, the plain way: every runner through the rules, then sort.

The reference the incremental engine is held to (tests compare the two after any sequence of
reads and corrections), and the answer for a one-off job that has all the inputs at hand.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from p88.results.clock import Hundredths
from p88.results.corrections import Correction, CorrectionBook
from p88.results.model import Entrant, Places, Read, Result, Row
from p88.results.problems import Problem, all_problems
from p88.results.provisional import Standing, is_final, standing
from p88.results.readstore import group_reads, unknown_tags, visible_reads
from p88.results.rules import runner_result
from p88.results.runners import judgement, resolve, unique_entrants
from p88.results.setup import GunLine, Setup
from p88.results.standings import RankingKey, ranking_keys
from p88.results.waves import gun_table, usable_lines, wave_list


def rank(times: Iterable[tuple[str, Hundredths]]) -> dict[str, int]:
    """Competition ranking ("1, 2, 2, 4") of (key, time): equal times share a place and the
    next place is skipped."""
    ordered = sorted(times, key=lambda item: item[1])
    places: dict[str, int] = {}
    previous: Hundredths | None = None
    place = 0
    for position, (key, time) in enumerate(ordered, start=1):
        if time != previous:
            place, previous = position, time
        places[key] = place
    return places


@dataclass(frozen=True, slots=True)
class Snapshot:
    rows: dict[str, Row]  # by bib
    standings: dict[str, tuple[tuple[RankingKey, ...], Standing]]
    problems: list[Problem]

    def provisional(self, bib: str, now: Hundredths) -> dict[str, bool]:
        """As Engine.provisional, by scanning every member of each ranking."""
        mine = self.standings.get(bib)
        if mine is None or mine[1][0] != "placed":
            return {}
        found: dict[str, bool] = {}
        for key in mine[0]:
            others = [s for b, (keys, s) in self.standings.items() if key in keys and b != bib]
            found[key.kind] = not is_final(mine[1][1], others, now)
        return found


def _places(
    results: Mapping[str, Result], standings: Mapping[str, tuple[tuple[RankingKey, ...], Standing]]
) -> dict[str, Places]:
    members: defaultdict[RankingKey, list[tuple[str, Hundredths]]] = defaultdict(list)
    for bib, (keys, (kind, time)) in standings.items():
        if kind == "placed":
            for key in keys:
                members[key].append((bib, time))
    ranked = {key: rank(times) for key, times in members.items()}
    places: dict[str, Places] = {}
    for bib, result in results.items():
        mine = standings.get(bib)
        if mine is None or mine[1][0] != "placed":
            places[bib] = Places()
            continue
        found = {key.kind: ranked[key][bib] for key in ranking_keys(result)}
        places[bib] = Places(found.get("overall"), found.get("gender"), found.get("age_group"))
    return places


def compute(
    setup: Setup,
    entrants: Sequence[Entrant],
    gun_lines: Iterable[GunLine],
    corrections: Iterable[Correction],
    reads: Iterable[Read],
) -> Snapshot:
    book = CorrectionBook()
    book.add_many(corrections)
    by_bib, tag_bib = unique_entrants(entrants)
    lines = usable_lines(setup, gun_lines)
    guns = gun_table(wave_list(setup, by_bib.values()), lines, book.moved_guns())
    point_of = setup.point_of_location()
    grouped = group_reads(reads, point_of)
    results: dict[str, Result] = {}
    standings: dict[str, tuple[tuple[RankingKey, ...], Standing]] = {}
    for bib, entrant in by_bib.items():
        runner = resolve(entrant, setup, guns, book)
        own = grouped.get(entrant.tag, {}) if tag_bib[entrant.tag] == bib else {}
        own = visible_reads(own, book.ignores(entrant.tag), point_of, setup.ignore_window)
        result = results[bib] = runner_result(runner, own, judgement(runner, book))
        found = standing(result, runner.course)
        if found is not None:
            standings[bib] = (ranking_keys(result), found)
    places = _places(results, standings)
    rows = {bib: Row(by_bib[bib], results[bib], places[bib]) for bib in by_bib}
    strangers = unknown_tags(grouped, tag_bib)
    problems = all_problems(setup, entrants, list(results.values()), guns, strangers, book)
    return Snapshot(rows, standings, problems)
