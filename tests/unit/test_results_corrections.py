"""The timer's corrections: inputs beside the reads, each undoable."""

from __future__ import annotations

import pytest

from p88.results.corrections import (
    ChangeCourse,
    ChangeWave,
    CloseCourse,
    ConfirmResult,
    CorrectionBook,
    IgnoreRead,
    ManualTime,
    MoveGun,
    SetStatus,
)
from p88.results.engine import Engine
from p88.results.model import COURSE_CLOSED, HELD_FASTER_THAN_RECORD, NO_START_READ
from p88.results.setup import Course, GunLine, Wave
from tests.unit.results_support import MIN, ONE_GUN, TEN_K, at, race, reads_of, runner, secs
from tests.unit.results_support import setup_of as setup_with

FINISHED = reads_of("T1", ("START", 30), ("5K", 1500), ("FINISH", 3000))


def test_a_manual_time_wins_over_the_reads_at_its_point() -> None:
    """[manual-time] A missed finish read, a better start, a split."""
    corrections = [
        ManualTime(1, "1", "FINISH", at(2990)),
        ManualTime(2, "1", "START", at(25)),
        ManualTime(3, "1", "5K", at(1490)),
    ]
    result = race(FINISHED, corrections=corrections)["1"].result
    assert (result.start, result.finish) == (at(25), at(2990))
    assert result.splits[0].time == at(1490)
    assert result.splits[0].manual
    assert result.manual_start and result.manual_finish
    assert result.chip_time == secs(2965)
    missed = race(reads_of("T1", ("START", 30)), corrections=corrections[:1])["1"].result
    assert missed.status == "finished"


def test_dnf_dns_and_dq_need_a_reason_and_win_over_the_reads() -> None:
    """[set-status]"""
    entrants = [runner("1"), runner("2"), runner("3")]
    reads = [*FINISHED, *reads_of("T2", ("FINISH", 3100)), *reads_of("T3", ("FINISH", 3200))]
    corrections = [
        SetStatus(1, "1", "dq", "cut the course"),
        SetStatus(2, "2", "dnf", "stopped at 8K, walked to the finish"),
        SetStatus(3, "3", "dns", "bib worn by someone else"),
    ]
    rows = race(reads, entrants, corrections=corrections)
    dq, dnf, dns = (rows[b].result for b in "123")
    assert (dq.status, dq.reason, dq.chip_time) == ("dq", "cut the course", secs(2970))
    assert (dnf.status, dnf.finish, dnf.gun_time) == ("dnf", None, None)
    assert (dns.status, dns.finish) == ("dns", None)
    assert all(rows[b].places.overall is None for b in "123")
    with pytest.raises(ValueError, match="say why bib 4 is DQ"):
        SetStatus(4, "4", "dq", " ")
    with pytest.raises(ValueError, match="'dnf', 'dns' or 'dq'"):
        SetStatus(4, "4", "finished", "x")  # type: ignore[arg-type]


def test_ignoring_a_read_ignores_its_whole_crossing_or_just_that_read() -> None:
    """[ignore-read] A stray finish crossing (three reads) 20 minutes in."""
    reads = reads_of("T1", ("FINISH", 1200), ("FINISH", 1200.4), ("FINISH", 1203), ("FINISH", 3000))
    assert race(reads)["1"].result.finish == at(1200)
    crossing = IgnoreRead(1, "T1", "FINISH", at(1200))
    assert race(reads, corrections=[crossing])["1"].result.finish == at(3000)
    one = IgnoreRead(1, "T1", "FINISH", at(1200), whole_crossing=False)
    assert race(reads, corrections=[one])["1"].result.finish == at(1200.4)


def test_changing_a_runners_wave_or_course() -> None:
    """[change-wave-course]"""
    ten = Course("10K", finish="FINISH", min_time=30 * MIN)
    five = Course("5K", finish="FINISH", min_time=5 * MIN)
    setup = setup_with(ten, five, waves=(Wave("1"), Wave("2")))
    lines = [GunLine(1, at(0)), GunLine(2, at(300))]
    entrants = [runner("1", wave="1", course="10K")]
    reads = reads_of("T1", ("FINISH", 1500))
    before = race(reads, entrants, setup, lines)["1"].result
    assert (before.course, before.status) == ("10K", "running")  # under the 10K's 30 minutes
    after = race(
        reads, entrants, setup, lines, [ChangeWave(1, "1", "2"), ChangeCourse(2, "1", "5K")]
    )
    assert (after["1"].result.course, after["1"].result.wave) == ("5K", "2")
    assert after["1"].result.gun_time == secs(1200)


def test_moving_a_gun_retimes_its_wave_only() -> None:
    """[move-gun]"""
    setup = setup_with(TEN_K, waves=(Wave("1"), Wave("2")))
    lines = [GunLine(1, at(0)), GunLine(2, at(300))]
    entrants = [runner("1", wave="1"), runner("2", wave="2")]
    reads = reads_of("T1", ("FINISH", 3000)) + reads_of("T2", ("FINISH", 3000))
    rows = race(reads, entrants, setup, lines, [MoveGun(1, "2", at(290))])
    assert rows["2"].result.gun_time == secs(2710)
    assert rows["1"].result.gun_time == secs(3000)


def test_confirming_a_held_result_places_it() -> None:
    """[confirm]"""
    reads = reads_of("T1", ("START", 0), ("FINISH", 1200))
    held = race(reads)["1"]
    assert HELD_FASTER_THAN_RECORD in held.result.flags
    confirmed = race(reads, corrections=[ConfirmResult(1, "1")])["1"]
    assert HELD_FASTER_THAN_RECORD not in confirmed.result.flags
    assert confirmed.places.overall == 1


def test_closing_a_course_makes_runners_still_out_dnf_and_those_never_seen_dns() -> None:
    """[close-course] [statuses]"""
    entrants = [runner("1"), runner("2"), runner("3")]
    reads = [*FINISHED, *reads_of("T2", ("5K", 1500))]
    rows = race(reads, entrants, corrections=[CloseCourse(1, "10K")])
    assert [rows[b].result.status for b in "123"] == ["finished", "dnf", "dns"]
    assert rows["2"].result.reason == COURSE_CLOSED
    assert race(reads, entrants, corrections=[CloseCourse(1, "5K")])["2"].result.status == (
        "running"
    )


def test_the_later_correction_counts_and_undoing_it_brings_the_earlier_back() -> None:
    """[undo]"""
    engine = Engine(setup_with(), [runner("1")], ONE_GUN, (), FINISHED)
    engine.apply(ManualTime(5, "1", "FINISH", at(2900)))
    engine.apply(ManualTime(9, "1", "FINISH", at(2950)))
    assert engine.result("1").finish == at(2950)
    changes = engine.revoke(9)
    assert changes.rows == {"1"}
    assert engine.result("1").finish == at(2900)
    engine.revoke(5)
    assert engine.result("1").finish == at(3000)  # the reads again
    with pytest.raises(ValueError, match="no correction 5 to undo"):
        engine.revoke(5)
    engine.apply(IgnoreRead(3, "T1", "START", at(30)))
    assert NO_START_READ in engine.result("1").flags
    with pytest.raises(ValueError, match="correction 3 is applied already"):
        engine.apply(IgnoreRead(3, "T1", "START", at(30)))
    engine.revoke(3)
    assert engine.result("1").start == at(30)


def test_the_correction_book_lists_what_is_in_force_in_order() -> None:
    """[undo]"""
    book = CorrectionBook()
    book.add_many([ManualTime(4, "1", "FINISH", 7), SetStatus(2, "1", "dq", "x")])
    assert [c.id for c in book] == [2, 4]
    assert book.manual_times("1") == {"FINISH": 7}
    book.revoke(4)
    assert book.manual_times("1") == {}
    assert book.status("1") == SetStatus(2, "1", "dq", "x")
