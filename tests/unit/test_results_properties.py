"""Properties over random races (Hypothesis).

- places in every ranking are competition ranks: 1 + the number strictly faster;
- a read before the runner's gun never changes a result;
- re-ordering or duplicating the same reads changes nothing;
- after any sequence of reads, gun lines, corrections, undos and imports, the incremental
  engine equals a recompute from scratch, and its change set names every row that changed;
- a place the engine calls final does not change, whatever crossings come later.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from p88.results.compute import compute
from p88.results.corrections import (
    ChangeCourse,
    ChangeWave,
    CloseCourse,
    ConfirmResult,
    IgnoreRead,
    ManualTime,
    MoveGun,
    SetStatus,
)
from p88.results.engine import Engine
from p88.results.model import Entrant, Read, Row
from p88.results.setup import Course, GunLine, Point, Setup, Split, Wave
from tests.unit.results_support import GUN

S = 100  # hundredths in a second
LOCATIONS = ("START", "P1", "P2", "FINISH", "FINISH-B", "OTHER")
POINTS = ("START", "P1", "P2", "FINISH")


def _courses(draw: Any) -> tuple[Course, ...]:
    a = Course(
        "A",
        finish="FINISH",
        start="START",
        splits=(Split("P1", 1000.0), Split("P2", 2000.0)),
        distance_m=draw(st.sampled_from([None, 3000.0])),
        min_time=draw(st.sampled_from([60 * S, 300 * S])),
        rank_by=draw(st.sampled_from([None, "gun"])),
        start_closes=draw(st.sampled_from([None, 120 * S])),
    )
    b = Course("B", finish="FINISH", splits=(Split("P1"),), min_time=100 * S)
    return (a, b) if draw(st.booleans()) else (a,)


@st.composite
def setups(draw: Any) -> Setup:
    waves = draw(st.sampled_from([(), (Wave("1"), Wave("2")), (Wave("1", gun=GUN + 5 * S),)]))
    return Setup(
        courses=_courses(draw),
        points=(Point("FINISH", ("FINISH", "FINISH-B")),),
        waves=waves,
        ignore_window=draw(st.sampled_from([0, 5 * S])),
    )


@st.composite
def entrant_lists(draw: Any) -> list[Entrant]:
    count = draw(st.integers(2, 8))
    return [
        Entrant(
            bib=str(draw(st.integers(1, 9))) if draw(st.integers(0, 9)) == 0 else str(i),
            tag=f"T{draw(st.integers(1, 9)) if draw(st.integers(0, 9)) == 0 else i}",
            gender=draw(st.sampled_from([None, "F", "M"])),
            age=draw(st.sampled_from([None, 19, 20, 44])),
            wave=draw(st.sampled_from(["1", "1", "2", "2", "", "3"])),
            course=draw(st.sampled_from(["A", "A", "A", "", "B", "Z"])),
        )
        for i in range(1, count + 1)
    ]


# Times on a coarse grid (10 s steps over 16 minutes): ties, repeats and crossings of the
# minimum time happen often.
times = st.integers(-6, 90).map(lambda tens: GUN + tens * 10 * S)
tags = st.integers(1, 10).map(lambda i: f"T{i}")
reads = st.builds(Read, tags, st.sampled_from(LOCATIONS), times)
gun_lines = st.builds(GunLine, st.integers(1, 5), st.integers(0, 240).map(lambda s: GUN + s * S))
bibs = st.integers(1, 9).map(str)


@st.composite
def race_reads(draw: Any) -> list[Read]:
    """Runners T1-T8 crossing as in a race (a start, splits, a finish on a coarse grid so
    equal times are common, any of them missed), plus stray reads anywhere."""
    found = []
    for i in range(1, 9):
        tag = f"T{i}"
        if draw(st.booleans()):
            found.append(Read(tag, "START", GUN + draw(st.sampled_from([0, 0, 10])) * S))
        for point, low, high in (("P1", 6, 30), ("P2", 12, 50)):
            if draw(st.booleans()):
                found.append(Read(tag, point, GUN + draw(st.integers(low, high)) * 10 * S))
        if draw(st.integers(0, 3)):
            finish = GUN + draw(st.integers(6, 15)) * 60 * S
            found.append(Read(tag, draw(st.sampled_from(["FINISH", "FINISH-B"])), finish))
    return found + draw(st.lists(reads, max_size=15))


some_gun_lines = st.lists(gun_lines, max_size=3)


def corrections(correction_id: int) -> st.SearchStrategy[Any]:
    i = st.just(correction_id)
    return st.one_of(
        st.builds(ManualTime, i, bibs, st.sampled_from(POINTS), times),
        st.builds(SetStatus, i, bibs, st.sampled_from(["dnf", "dns", "dq"]), st.just("why")),
        st.builds(ChangeWave, i, bibs, st.sampled_from(["", "1", "2"])),
        st.builds(ChangeCourse, i, bibs, st.sampled_from(["A", "B", "Z"])),
        st.builds(MoveGun, i, st.sampled_from(["", "1", "2"]), times),
        st.builds(ConfirmResult, i, bibs),
        st.builds(CloseCourse, i, st.sampled_from(["A", "B"])),
    )


@st.composite
def operations(draw: Any) -> list[tuple[str, Any]]:
    ops: list[tuple[str, Any]] = []
    for step in range(draw(st.integers(1, 40))):
        kind = draw(
            st.sampled_from(["read"] * 6 + ["reads", "gun", "fix", "ignore", "undo", "import"])
        )
        if kind == "read":
            ops.append((kind, draw(reads)))
        elif kind == "reads":
            ops.append((kind, draw(race_reads() | st.lists(reads, max_size=10))))
        elif kind == "gun":
            ops.append((kind, draw(gun_lines)))
        elif kind == "fix":
            ops.append((kind, draw(corrections(step))))
        elif kind == "ignore":  # one of the reads so far, near it, whole crossing or not
            choice = (draw(st.integers(0, 100)), draw(st.sampled_from([0, 0, 300])), step)
            ops.append((kind, (*choice, draw(st.booleans()))))
        elif kind == "undo":
            ops.append((kind, draw(st.integers(0, 100))))
        else:
            # A new file, or the same file with one entry dropped, added, moved or changed.
            edit = draw(st.sampled_from(["new", "drop", "add", "first", "change"]))
            ops.append((kind, (edit, draw(st.integers(0, 20)), draw(entrant_lists()))))
    return ops


def rows_of(engine: Engine) -> dict[str, Row]:
    return {row.entrant.bib: row for row in engine.rows()}


def edited(entrants: list[Entrant], edit: str, index: int, other: list[Entrant]) -> list[Entrant]:
    if edit == "new" or not entrants:
        return other
    entrants = list(entrants)
    index %= len(entrants)
    if edit == "drop":
        del entrants[index]
    elif edit == "add":
        entrants.append(other[0])
    elif edit == "first":  # the first of a duplicate bib or tag is the one that counts
        entrants.insert(0, entrants.pop(index))
    else:
        entrants[index] = replace(other[0], bib=entrants[index].bib)
    return entrants


class Replay:
    """The inputs so far, to recompute from scratch."""

    def __init__(self, setup: Setup, entrants: list[Entrant]) -> None:
        self.setup, self.entrants = setup, entrants
        self.reads: list[Read] = []
        self.lines: dict[int, GunLine] = {}
        self.fixes: dict[int, Any] = {}

    def apply(self, engine: Engine, kind: str, value: Any) -> Any:
        if kind == "read":
            self.reads.append(value)
            return engine.add_read(value)
        if kind == "reads":
            self.reads.extend(value)
            return engine.add_reads(value)
        if kind == "gun":
            self.lines[value.id] = value
            return engine.add_gun_line(value)
        if kind == "fix":
            self.fixes[value.id] = value
            return engine.apply(value)
        if kind == "ignore":
            if not self.reads:
                return None
            index, offset, correction_id, whole = value
            read = self.reads[index % len(self.reads)]
            ignore = IgnoreRead(correction_id, read.tag, read.location, read.time + offset, whole)
            self.fixes[correction_id] = ignore
            return engine.apply(ignore)
        if kind == "undo":
            if not self.fixes:
                return None
            chosen = sorted(self.fixes)[value % len(self.fixes)]
            del self.fixes[chosen]
            return engine.revoke(chosen)
        self.entrants = edited(self.entrants, *value)
        return engine.set_entrants(self.entrants)

    def compute(self) -> Any:
        lines = list(self.lines.values())
        return compute(self.setup, self.entrants, lines, self.fixes.values(), self.reads)


@settings(max_examples=300, deadline=None)
@given(setups(), entrant_lists(), some_gun_lines, race_reads(), operations())
def test_the_incremental_engine_equals_a_recompute_from_scratch(
    setup: Setup,
    entrants: list[Entrant],
    lines: list[GunLine],
    first: list[Read],
    ops: list[tuple[str, Any]],
) -> None:
    """[incremental] And the change set covers every row that changed."""
    engine = Engine(setup, entrants, lines, (), first)
    replay = Replay(setup, entrants)
    replay.reads.extend(first)
    replay.lines.update((line.id, line) for line in lines)
    before = rows_of(engine)
    for kind, value in ops:
        changes = replay.apply(engine, kind, value)
        after = rows_of(engine)
        scratch = replay.compute()
        assert after == scratch.rows
        assert engine.problems() == scratch.problems
        for bib in after:
            for now in (GUN + 200 * S, GUN + 700 * S):
                assert engine.provisional(bib, now) == scratch.provisional(bib, now)
        if changes is not None:
            covered = set(changes.rows)
            for shift in changes.shifts:
                covered.update(engine.bibs_shifted(shift))
            differ = {b for b in before.keys() | after.keys() if before.get(b) != after.get(b)}
            assert differ <= covered
        before = after


@settings(max_examples=200, deadline=None)
@given(setups(), entrant_lists(), race_reads(), st.lists(gun_lines, min_size=1, max_size=3))
def test_places_are_one_plus_the_number_strictly_faster(
    setup: Setup, entrants: list[Entrant], race_reads: list[Read], lines: list[GunLine]
) -> None:
    """[places] In every ranking: 1..n, equal times share, the next place is skipped."""
    engine = Engine(setup, entrants, lines, (), race_reads)
    for key, ranking in engine.rankings().items():
        times = {bib: time for time, bib in ranking.placed}
        places = {bib: getattr(engine.places(bib), key.kind) for bib in times}
        for bib, time in times.items():
            assert places[bib] == 1 + sum(1 for other in times.values() if other < time)
        assert sorted(places.values())[:1] in ([], [1])
        assert max(places.values(), default=0) <= len(times)


@settings(max_examples=200, deadline=None)
@given(
    setups(),
    entrant_lists(),
    race_reads(),
    st.lists(gun_lines, min_size=1, max_size=3),
    st.lists(st.tuples(st.integers(1, 10), st.sampled_from(LOCATIONS), st.integers(1, 600))),
)
def test_a_read_before_the_runners_gun_never_changes_a_result(
    setup: Setup,
    entrants: list[Entrant],
    race_reads: list[Read],
    lines: list[GunLine],
    early: list[tuple[int, str, int]],
) -> None:
    """[reads-before-gun]"""
    engine = Engine(setup, entrants, lines, (), race_reads)
    expected = rows_of(engine)
    guns: dict[str, int | None] = {}
    for e in entrants:  # a tag's reads count for its first runner only
        guns.setdefault(e.tag, engine.result(e.bib).gun)
    for number, location, before in early:
        gun = guns.get(f"T{number}")
        if gun is not None:
            engine.add_read(Read(f"T{number}", location, gun - before))
    assert rows_of(engine) == expected


@settings(max_examples=200, deadline=None)
@given(
    setups(),
    entrant_lists(),
    race_reads(),
    some_gun_lines,
    st.randoms(use_true_random=False),
)
def test_reordering_or_duplicating_the_same_reads_changes_nothing(
    setup: Setup, entrants: list[Entrant], race_reads: list[Read], lines: list[GunLine], rnd: Any
) -> None:
    """[duplicate-reads]"""
    expected = rows_of(Engine(setup, entrants, lines, (), race_reads))
    shuffled = race_reads + rnd.sample(race_reads, k=len(race_reads) // 2)
    rnd.shuffle(shuffled)
    engine = Engine(setup, entrants, lines)
    for read in shuffled:
        engine.add_read(read)
    assert rows_of(engine) == expected


@settings(max_examples=200, deadline=None)
@given(
    setups(),
    entrant_lists(),
    race_reads(),
    some_gun_lines,
    st.integers(0, 900),
    st.lists(st.tuples(tags, st.sampled_from(LOCATIONS), st.integers(0, 900)), max_size=20),
)
def test_a_place_called_final_does_not_change_whatever_crosses_later(
    setup: Setup,
    entrants: list[Entrant],
    race_reads: list[Read],
    lines: list[GunLine],
    now_s: int,
    later: list[tuple[str, str, int]],
) -> None:
    """[provisional] Reads at `now` or later, of anyone else, cannot move a final place."""
    now = GUN + now_s * S
    engine = Engine(setup, entrants, lines, (), [r for r in race_reads if r.time < now])
    final: dict[str, dict[str, int | None]] = defaultdict(dict)
    for row in engine.rows():
        for kind, open_ in engine.provisional(row.entrant.bib, now).items():
            if not open_:
                final[row.entrant.bib][kind] = getattr(row.places, kind)
    for tag, location, after in later:
        owner = next((e.bib for e in entrants if e.tag == tag), None)
        if owner not in final:
            engine.add_read(Read(tag, location, now + after * S))
    for bib, places in final.items():
        for kind, place in places.items():
            assert getattr(engine.places(bib), kind) == place
