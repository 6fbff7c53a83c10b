"""The incremental engine: what one update changes, and the change set it returns."""

from __future__ import annotations

from p88.results.compute import compute
from p88.results.corrections import MoveGun
from p88.results.engine import Engine
from p88.results.model import Read
from p88.results.setup import Course, GunLine, Wave
from p88.results.standings import RankingKey, Shift
from tests.unit.results_support import MIN, ONE_GUN, at, reads_of, runner, secs
from tests.unit.results_support import setup_of as setup_with

GUN_10K = Course("10K", finish="FINISH", splits=(), min_time=10 * MIN)
OVERALL = RankingKey("10K", "overall", "")
MEN = RankingKey("10K", "gender", "M")


def field(count: int) -> list:
    return [runner(str(i), gender="M") for i in range(1, count + 1)]


def test_a_read_changes_its_runner_and_shifts_the_slower_by_a_range() -> None:
    """[incremental] Runner 3 finishes between 1 and 2: one row, one shift per ranking."""
    engine = Engine(setup_with(GUN_10K), field(4), ONE_GUN)
    engine.add_reads(reads_of("T1", ("FINISH", 3000)) + reads_of("T2", ("FINISH", 3200)))
    changes = engine.add_read(Read("T3", "FINISH", at(3100)))
    assert changes.rows == {"3"}
    assert changes.shifts == (
        Shift(OVERALL, secs(3100), +1),
        Shift(MEN, secs(3100), +1),
    )
    assert [engine.bibs_shifted(shift) for shift in changes.shifts] == [["2"], ["2"]]
    assert [engine.places(b).overall for b in "123"] == [1, 3, 2]


def test_reads_that_change_nothing_report_nothing() -> None:
    """[incremental] [duplicate-reads] [reads-before-gun] A repeat, a read before the gun, a
    point not on the course, a repeat after the finish."""
    engine = Engine(setup_with(GUN_10K), field(2), ONE_GUN)
    engine.add_reads(reads_of("T1", ("FINISH", 3000)))
    for read in (
        Read("T1", "FINISH", at(3000)),
        Read("T2", "FINISH", at(-20)),
        Read("T2", "ANNOUNCER", at(2990)),
        Read("T1", "FINISH", at(3001)),
    ):
        assert not engine.add_read(read)


def test_an_unknown_tag_changes_no_row() -> None:
    """[incremental] It is kept (and listed), in case its runner is added later."""
    engine = Engine(setup_with(GUN_10K), field(1), ONE_GUN)
    assert not engine.add_read(Read("GHOST", "FINISH", at(3000)))
    assert engine.unknown_tags() == {"GHOST": {"FINISH": 1}}
    changes = engine.set_entrants([*field(1), runner("9", tag="GHOST")])
    assert changes.rows == {"9"}
    assert engine.places("9").overall == 1


def test_a_moved_gun_recomputes_its_wave_only() -> None:
    """[incremental] [move-gun]"""
    setup = setup_with(GUN_10K, waves=(Wave("A"), Wave("B")))
    entrants = [runner("1", wave="A"), runner("2", wave="B"), runner("3", wave="B")]
    lines = [GunLine(1, at(0)), GunLine(2, at(300))]
    reads = [*reads_of("T1", ("FINISH", 3000)), *reads_of("T2", ("FINISH", 3200))]
    engine = Engine(setup, entrants, lines, (), reads)
    changes = engine.apply(MoveGun(1, "B", at(320)))
    assert changes.rows == {"2", "3"}  # runner 3 has no finish: their gun is in the row
    assert engine.places("2").overall == 1


def test_a_runner_dropped_by_an_import_leaves_their_rankings() -> None:
    """[incremental]"""
    engine = Engine(setup_with(GUN_10K), field(3), ONE_GUN)
    engine.add_reads([Read(f"T{i}", "FINISH", at(3000 + i)) for i in (1, 2, 3)])
    changes = engine.set_entrants([runner("2", gender="M"), runner("3", gender="M")])
    assert "1" in changes.rows
    assert Shift(OVERALL, secs(3001), -1) in changes.shifts
    assert engine.result("1") is None
    assert [engine.places(b).overall for b in "23"] == [1, 2]


def test_an_engine_rebuilt_from_stored_inputs_equals_the_live_one() -> None:
    """[incremental] State across a restart: rebuild from reads, setup, entrants, corrections."""
    setup = setup_with(GUN_10K)
    reads = [Read(f"T{i % 5 + 1}", "FINISH", at(2000 + 37 * i)) for i in range(40)]
    live = Engine(setup, field(6), ONE_GUN)
    for read in reads:
        live.add_read(read)
    rebuilt = Engine(setup, field(6), ONE_GUN, (), reads)
    assert rebuilt.rows() == live.rows()
    assert {b: r for b, r in compute(setup, field(6), ONE_GUN, (), reads).rows.items()} == {
        row.entrant.bib: row for row in live.rows()
    }
