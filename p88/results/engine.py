"""The incremental results engine: the only thing that ranks runners.

It holds one timing session's reads (per tag and point), setup, participants, gun lines and
corrections, and keeps every runner's result and every ranking current as they change. A read
changes at most one runner's result, so it costs that runner's rules plus a few sorted-list
operations, never a recompute of the race; a moved gun recomputes that wave, a new setup means
a new engine. Each change returns a `Changes`: the rows that changed and the place shifts.

State across a restart: everything here is derived from stored inputs (reads, setup, entrants,
gun lines, corrections), so a restarted process builds a new Engine from them
(`Engine(setup, entrants, gun_lines, corrections, reads)`); bench/results.py times it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from p88.results.clock import Hundredths
from p88.results.corrections import Affected, Correction, CorrectionBook
from p88.results.model import Entrant, Places, Read, Result, Row
from p88.results.problems import Problem, all_problems
from p88.results.provisional import Standing, standing
from p88.results.readstore import (
    PointTimes,
    group_reads,
    insert_time,
    unknown_tags,
    visible_reads,
)
from p88.results.rules import Runner, runner_result
from p88.results.runners import judgement, resolve, unique_entrants
from p88.results.setup import GunLine, Setup
from p88.results.standings import Ranking, RankingKey, Shift, build_rankings, ranking_keys
from p88.results.waves import GunTable, gun_table, usable_lines, wave_list

NO_PLACES = Places()


@dataclass(frozen=True, slots=True)
class Changes:
    """What one update changed: `rows` are the bibs whose result changed (or who came or
    went); `shifts` the place moves of others, in order (Engine.bibs_shifted lists them)."""

    rows: frozenset[str] = frozenset()
    shifts: tuple[Shift, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.rows or self.shifts)


class Engine:
    def __init__(
        self,
        setup: Setup,
        entrants: Iterable[Entrant] = (),
        gun_lines: Iterable[GunLine] = (),
        corrections: Iterable[Correction] = (),
        reads: Iterable[Read] = (),
    ) -> None:
        self.setup = setup
        self._point_of = setup.point_of_location()
        self._course_points = {c.name: frozenset(c.point_names) for c in setup.courses}
        self._reads: dict[str, PointTimes] = {}
        self._lines: dict[int, GunLine] = {line.id: line for line in gun_lines}
        self._book = CorrectionBook()
        self._book.add_many(corrections)
        self._entrants: list[Entrant] = []
        self._by_bib: dict[str, Entrant] = {}
        self._tag_bib: dict[str, str] = {}
        self._runners: dict[str, Runner] = {}
        self._results: dict[str, Result] = {}
        self._standings: dict[str, tuple[tuple[RankingKey, ...], Standing]] = {}
        self._rankings: dict[RankingKey, Ranking] = {}
        self._by_wave: defaultdict[str, set[str]] = defaultdict(set)
        self._by_course: defaultdict[str, set[str]] = defaultdict(set)
        self._guns = GunTable({}, (), {})
        self._changed: set[str] = set()
        self._shifts: list[Shift] = []
        self._reads = group_reads(reads, self._point_of)  # stored reads, before any runner
        # Building from stored inputs, the rankings are sorted once at the end: that is
        # several times faster than 90,000 inserts into sorted lists.
        self._deferred = True
        self.set_entrants(entrants)
        self._deferred = False
        self._rankings = build_rankings(self._standings)
        self._take_changes()

    # --- updates ---------------------------------------------------------------------------

    def add_read(self, read: Read) -> Changes:
        """One committed read (the live path)."""
        bib = self._store(*read)
        if bib is not None:
            self._refresh(bib)
        return self._take_changes()

    def add_reads(self, reads: Iterable[Read]) -> Changes:
        """A batch of reads: each runner they touch is recomputed once."""
        touched = {bib: None for read in reads if (bib := self._store(*read)) is not None}
        for bib in touched:  # in the order of their first read
            self._refresh(bib)
        return self._take_changes()

    def add_gun_line(self, line: GunLine) -> Changes:
        self._lines[line.id] = line
        self._regun()
        return self._take_changes()

    def set_entrants(self, entrants: Iterable[Entrant]) -> Changes:
        """The participant list, whole (an import). Runners are resolved again when their
        entry or the owner of their tag changed; all of them when the waves did (without a
        wave setup the waves come from the participant file, and their guns with them)."""
        self._entrants = list(entrants)
        old_entries, old_owners, old_waves = self._by_bib, self._tag_bib, list(self._guns.guns)
        self._by_bib, self._tag_bib = unique_entrants(self._entrants)
        self._guns = self._gun_table()
        same_waves = list(self._guns.guns) == old_waves
        for bib in set(self._runners) - set(self._by_bib):
            self._drop(bib)
        for bib, entrant in self._by_bib.items():
            new_entry = old_entries.get(bib) != entrant
            if new_entry:
                self._changed.add(bib)  # the row shows the entry, whatever the result does
            owned = old_owners.get(entrant.tag) == bib, self._tag_bib.get(entrant.tag) == bib
            if new_entry or not same_waves or owned[0] != owned[1]:
                self._reresolve(bib)
        return self._take_changes()

    def apply(self, correction: Correction) -> Changes:
        self._follow(self._book.add(correction))
        return self._take_changes()

    def revoke(self, correction_id: int) -> Changes:
        """Undo a correction (what it overrode counts again)."""
        _, affected = self._book.revoke(correction_id)
        self._follow(affected)
        return self._take_changes()

    # --- internals -------------------------------------------------------------------------

    def _store(self, tag: str, location: str, time: Hundredths) -> str | None:
        """Keep a read; the bib whose result it may change, if any."""
        point = self._point_of.get(location, location)
        points = self._reads.get(tag)
        if points is None:
            points = self._reads[tag] = {}
        times = points.get(point)
        if times is None:
            points[point] = [time]
        elif not insert_time(times, time):
            return None
        bib = self._tag_bib.get(tag)
        if bib is None:
            return None
        course = self._runners[bib].course if bib in self._runners else None
        if course is None or point not in self._course_points[course.name]:
            return None
        return bib

    def _gun_table(self) -> GunTable:
        waves = wave_list(self.setup, self._by_bib.values())
        lines = usable_lines(self.setup, self._lines.values())
        return gun_table(waves, lines, self._book.moved_guns())

    def _regun(self) -> None:
        """Guns changed: recompute the runners of every wave whose gun moved."""
        old, self._guns = self._guns, self._gun_table()
        new = self._guns.guns
        moved = {wave for wave in new if old.guns.get(wave) != new[wave]}
        for wave in moved:
            for bib in list(self._by_wave.get(wave, ())):
                self._reresolve(bib)

    def _follow(self, affected: Affected) -> None:
        if affected.waves:
            self._regun()
        bibs = set(affected.bibs)
        for tag in affected.tags:
            if tag in self._tag_bib:
                bibs.add(self._tag_bib[tag])
        for course in affected.courses:
            bibs |= self._by_course.get(course, set())
        for bib in bibs:
            if bib in self._by_bib:
                self._reresolve(bib)

    def _reresolve(self, bib: str) -> None:
        runner = resolve(self._by_bib[bib], self.setup, self._guns, self._book)
        old = self._runners.get(bib)
        if old is not None:
            self._by_wave[old.wave].discard(bib)
            if old.course is not None:
                self._by_course[old.course.name].discard(bib)
        self._runners[bib] = runner
        self._by_wave[runner.wave].add(bib)
        if runner.course is not None:
            self._by_course[runner.course.name].add(bib)
        self._refresh(bib)

    def _refresh(self, bib: str) -> None:
        runner = self._runners[bib]
        tag = runner.entrant.tag
        reads = self._reads.get(tag, {})
        if self._tag_bib.get(tag) != bib:
            reads = {}  # a duplicate tag: its reads count for the first runner only
        ignores = self._book.ignores(tag)
        if ignores:
            reads = visible_reads(reads, ignores, self._point_of, self.setup.ignore_window)
        result = runner_result(runner, reads, judgement(runner, self._book))
        if self._results.get(bib) == result:
            return
        self._results[bib] = result
        self._changed.add(bib)
        course = runner.course
        new = standing(result, course)
        self._restand(bib, (ranking_keys(result), new) if new is not None else None)

    def _restand(self, bib: str, new: tuple[tuple[RankingKey, ...], Standing] | None) -> None:
        old = self._standings.get(bib)
        if old == new:
            return
        if self._deferred:
            if new is None:
                self._standings.pop(bib, None)
            else:
                self._standings[bib] = new
            return
        if old is not None:
            for key in old[0]:
                ranking = self._rankings[key]
                self._note_shift(ranking.remove(bib, old[1]))
                if ranking.is_empty():
                    del self._rankings[key]
            del self._standings[bib]
        if new is not None:
            for key in new[0]:
                kept = self._rankings.get(key)
                if kept is None:
                    kept = self._rankings[key] = Ranking(key)
                self._note_shift(kept.add(bib, new[1]))
            self._standings[bib] = new

    def _note_shift(self, shift: Shift | None) -> None:
        if shift is not None:
            self._shifts.append(shift)

    def _drop(self, bib: str) -> None:
        runner = self._runners.pop(bib)
        self._by_wave[runner.wave].discard(bib)
        if runner.course is not None:
            self._by_course[runner.course.name].discard(bib)
        self._restand(bib, None)
        del self._results[bib]
        self._changed.add(bib)

    def _take_changes(self) -> Changes:
        changes = Changes(frozenset(self._changed), tuple(self._shifts))
        self._changed = set()
        self._shifts = []
        return changes

    # --- queries ---------------------------------------------------------------------------

    def result(self, bib: str) -> Result | None:
        return self._results.get(bib)

    def results(self) -> Iterator[Result]:
        return iter(self._results.values())

    def ranking(self, key: RankingKey) -> Ranking | None:
        return self._rankings.get(key)

    def rankings(self) -> dict[RankingKey, Ranking]:
        return dict(self._rankings)

    def places(self, bib: str) -> Places:
        held = self._standings.get(bib)
        if held is None or held[1][0] != "placed":
            return NO_PLACES
        time = held[1][1]
        found = {key.kind: self._rankings[key].place(time) for key in held[0]}
        return Places(found.get("overall"), found.get("gender"), found.get("age_group"))

    def row(self, bib: str) -> Row:
        return Row(self._by_bib[bib], self._results[bib], self.places(bib))

    def rows(self) -> list[Row]:
        return [self.row(bib) for bib in self._by_bib]

    def provisional(self, bib: str, now: Hundredths) -> dict[str, bool]:
        """Per ranking kind the runner is placed in: True while their place there could
        still change (p88.results.provisional), at event-local time `now`."""
        held = self._standings.get(bib)
        if held is None or held[1][0] != "placed":
            return {}
        time = held[1][1]
        return {key.kind: not self._rankings[key].is_final(time, now) for key in held[0]}

    def bibs_shifted(self, shift: Shift) -> list[str]:
        """The placed runners a shift moved, as they stand now."""
        ranking = self._rankings.get(shift.ranking)
        return [] if ranking is None else ranking.bibs_slower_than(shift.slower_than)

    # --- for setup pages and the problem list --------------------------------------------

    @property
    def entrants(self) -> list[Entrant]:
        return list(self._entrants)

    @property
    def guns(self) -> GunTable:
        return self._guns

    @property
    def corrections(self) -> CorrectionBook:
        return self._book

    def runner(self, bib: str) -> Runner | None:
        return self._runners.get(bib)

    def problems(self) -> list[Problem]:
        """Everything the timer should look at (p88.results.problems), setup first."""
        return all_problems(
            self.setup,
            self._entrants,
            [self._results[bib] for bib in self._by_bib],
            self._guns,
            self.unknown_tags(),
            self._book,
        )

    def unknown_tags(self) -> dict[str, dict[str, int]]:
        """Tags read that belong to no participant -> point -> how many distinct reads."""
        return unknown_tags(self._reads, self._tag_bib)
