"""The timing rules of docs/RESULTS.md, one test (at least) per rule id in brackets."""

from __future__ import annotations

import pytest

from p88.results.model import (
    HELD_FASTER_THAN_RECORD,
    NO_COURSE,
    NO_GUN,
    NO_START_READ,
    SPLIT_AFTER_FINISH,
    SPLIT_BEFORE_START,
    SPLIT_OUT_OF_ORDER,
    Read,
    SplitTime,
)
from p88.results.rules import Pace, finish_pace, split_paces
from p88.results.setup import Course, Point, Split
from tests.unit.results_support import (
    GUN,
    MIN,
    TEN_K,
    at,
    race,
    reads_of,
    runner,
    secs,
    setup_of,
)


def test_finish_is_the_first_read_at_least_the_minimum_time_after_the_gun() -> None:
    """[finish-first-read] The example of RESULTS.md."""
    reads = reads_of(
        "T1",
        ("FINISH", -300),  # walking to the start: before the gun
        ("FINISH", 180),  # over the finish mat on the way to the corral: too early
        ("FINISH", 2472.04),
        ("FINISH", 2472.90),
    )
    row = race(reads)["1"]
    assert row.result.finish == at(2472.04)
    assert row.result.status == "finished"


def test_a_finish_exactly_at_the_minimum_time_counts() -> None:
    """[finish-first-read]"""
    row = race(reads_of("T1", ("FINISH", 599.99), ("FINISH", 600)))["1"]
    assert row.result.finish == at(600)


def test_chip_start_is_the_last_start_read_inside_the_start_window() -> None:
    """[start-last-read] The example of RESULTS.md: gun 08:00, minimum 10 minutes."""
    reads = reads_of(
        "T1",
        ("START", -10),  # before the gun
        ("START", 130.31),
        ("START", 131.08),  # lingered: the last read in the window is the start
        ("FINISH", 2472.04),
        ("START", 2700),  # walked back over the start mat after finishing
    )
    result = race(reads)["1"].result
    assert result.start == at(131.08)
    assert result.chip_time == secs(2472.04 - 131.08)


def test_the_start_window_ends_the_minimum_time_before_the_finish() -> None:
    """[start-last-read] A start read later than finish - minimum is not a start."""
    reads = reads_of("T1", ("START", 30), ("START", 1900.01), ("FINISH", 2500))
    assert race(reads)["1"].result.start == at(30)
    # While the runner has no finish, every start read after the gun is in the window.
    assert race(reads[:2])["1"].result.start == at(1900.01)


def test_a_read_before_the_gun_never_counts() -> None:
    """[reads-before-gun] Not as a start, split or finish, nor as a sign of life."""
    before = reads_of("T1", ("START", -60), ("5K", -30), ("FINISH", -1))
    result = race(before)["1"].result
    assert (result.start, result.finish, result.status) == (None, None, "dns")
    assert result.splits == (SplitTime("5K", None, None),)


def test_a_read_exactly_at_the_gun_counts() -> None:
    """[reads-before-gun] [start-last-read] Both ends of the start window are in it."""
    result = race(reads_of("T1", ("START", -5), ("START", 0), ("FINISH", 2400)))["1"].result
    assert result.start == at(0)
    result = race(reads_of("T1", ("START", 1800), ("FINISH", 2400)))["1"].result
    assert result.start == at(1800)  # exactly the finish less the minimum time


def test_the_same_read_twice_or_in_another_order_is_one_read() -> None:
    """[duplicate-reads]"""
    reads = reads_of("T1", ("START", 20), ("5K", 1200), ("FINISH", 2500), ("FINISH", 2501))
    once = race(reads)
    assert race(list(reversed(reads)) + reads + reads[:1]) == once


def test_several_locations_of_one_point_are_one_point() -> None:
    """[points] [one-point] A backup line's earlier read is the finish; readers do not matter."""
    setup = setup_of(TEN_K, points=(Point("FINISH", ("FINISH", "FINISH-B")),))
    reads = [Read("T1", "FINISH", at(2500.5)), Read("T1", "FINISH-B", at(2500.2))]
    assert race(reads, setup=setup)["1"].result.finish == at(2500.2)


def test_points_are_chosen_by_name_not_found_by_the_name_start() -> None:
    """[points] A course whose start point is called MAT-A: a read at START is no start."""
    course = Course("10K", finish="ARCH", start="MAT-A", min_time=10 * MIN)
    reads = reads_of("T1", ("START", 5), ("MAT-A", 12), ("ARCH", 2000))
    result = race(reads, setup=setup_of(course))["1"].result
    assert (result.start, result.finish) == (at(12), at(2000))


def test_without_a_gun_the_finish_counts_from_the_first_start_read() -> None:
    """[no-gun]"""
    reads = reads_of("T1", ("FINISH", 100), ("START", 120), ("START", 121), ("FINISH", 900))
    result = race(reads, lines=())["1"].result
    assert (result.start, result.finish) == (at(121), at(900))
    assert result.chip_time == secs(779)
    assert result.gun_time is None
    assert NO_GUN in result.flags


def test_without_a_gun_or_a_start_read_the_first_finish_read_is_the_finish() -> None:
    """[no-gun] Its times are unknown, and it takes no place."""
    row = race(reads_of("T1", ("FINISH", 100), ("FINISH", 900)), lines=())["1"]
    assert row.result.finish == at(100)
    assert (row.result.gun_time, row.result.chip_time, row.places.overall) == (None, None, None)


def test_a_split_is_the_first_read_after_the_start_and_counts_from_it() -> None:
    """[splits-first-read]"""
    reads = reads_of("T1", ("START", 60), ("5K", 1260.5), ("5K", 1261), ("FINISH", 2460))
    (split,) = race(reads)["1"].result.splits
    assert split == SplitTime("5K", at(1260.5), secs(1200.5))


def test_a_split_read_at_the_very_moment_of_the_start_is_no_split() -> None:
    """[splits-first-read] "After the start" is strictly after."""
    reads = reads_of("T1", ("START", 60), ("5K", 60), ("5K", 1300), ("FINISH", 2460))
    assert race(reads)["1"].result.splits[0].time == at(1300)


def test_splits_come_in_course_order_and_count_from_the_gun_without_a_start_read() -> None:
    """[splits-first-read]"""
    course = Course("HALF", finish="FINISH", splits=(Split("10K"), Split("5K")), min_time=10 * MIN)
    reads = reads_of("T1", ("5K", 1000), ("10K", 2000), ("FINISH", 4000))
    splits = race(reads, setup=setup_of(course))["1"].result.splits
    assert [(s.point, s.elapsed) for s in splits] == [("10K", secs(2000)), ("5K", secs(1000))]


def test_gun_time_counts_from_the_wave_gun_and_chip_time_from_the_start() -> None:
    """[gun-and-chip-time]"""
    reads = reads_of("T1", ("START", 95.5), ("FINISH", 3000.25))
    result = race(reads)["1"].result
    assert result.gun == GUN
    assert result.gun_time == secs(3000.25)
    assert result.chip_time == secs(3000.25 - 95.5)
    assert result.ranking_time == result.chip_time  # a course with a start ranks by chip


def test_no_start_read_gives_chip_time_equal_to_gun_time_flagged_and_placed() -> None:
    """[no-start-read]"""
    row = race(reads_of("T1", ("FINISH", 3000)))["1"]
    assert row.result.chip_time == row.result.gun_time == secs(3000)
    assert NO_START_READ in row.result.flags
    assert row.places.overall == 1


def test_a_course_without_a_start_point_has_chip_time_equal_to_gun_time_unflagged() -> None:
    """[no-start-read]"""
    course = Course("5K", finish="FINISH", distance_m=5000.0)
    result = race(reads_of("T1", ("FINISH", 1500)), setup=setup_of(course))["1"].result
    assert result.chip_time == result.gun_time == secs(1500)
    assert result.flags == ()


def test_pace_per_km_and_per_mile_from_chip_time_when_the_distance_is_known() -> None:
    """[pace]"""
    result = race(reads_of("T1", ("START", 0), ("5K", 1500), ("FINISH", 3000)))["1"].result
    assert finish_pace(result, TEN_K) == Pace(secs(300), secs(482.8032))
    assert split_paces(result, TEN_K) == {"5K": Pace(secs(300), secs(482.8032))}
    unknown = Course("10K", finish="FINISH", start="START")
    assert finish_pace(result, unknown) is None
    assert split_paces(result, unknown) == {}


def test_statuses_follow_from_the_reads() -> None:
    """[statuses] finished, running (counted somewhere), dns (never seen)."""
    entrants = [runner("1"), runner("2"), runner("3"), runner("4")]
    reads = [
        *reads_of("T1", ("START", 10), ("FINISH", 3000)),
        *reads_of("T2", ("5K", 1400)),
        *reads_of("T3", ("START", -5)),  # before the gun only: never seen
        *reads_of("T4", ("FINISH", 100)),  # a finish read too early: seen, not finished
    ]
    rows = race(reads, entrants)
    assert {bib: row.result.status for bib, row in rows.items()} == {
        "1": "finished",
        "2": "running",
        "3": "dns",
        "4": "running",
    }


def test_clock_skew_is_flagged_and_the_result_keeps_its_place() -> None:
    """[clock-skew]"""
    half = Course("HALF", finish="FINISH", start="START", splits=(Split("5K"), Split("10K")))
    entrants = [runner("1"), runner("2"), runner("3")]
    reads = [
        *reads_of("T1", ("START", 60), ("5K", 1200), ("10K", 5000), ("FINISH", 4800)),
        *reads_of("T2", ("5K", 40), ("START", 90), ("5K", 1300), ("FINISH", 4900)),
        *reads_of("T3", ("START", 5), ("5K", 2600), ("10K", 2500), ("FINISH", 5000)),
    ]
    rows = race(reads, entrants, setup=setup_of(half))
    assert SPLIT_AFTER_FINISH in rows["1"].result.flags
    assert SPLIT_BEFORE_START in rows["2"].result.flags
    assert rows["2"].result.splits[0].time == at(1300)  # the early read is not the split
    assert SPLIT_OUT_OF_ORDER in rows["3"].result.flags
    assert [rows[b].places.overall for b in "123"] == [1, 2, 3]


def test_a_finish_faster_than_the_course_record_is_held_and_not_placed() -> None:
    """[record] A 10K in 20 minutes is faster than the world record: held."""
    entrants = [runner("1"), runner("2")]
    reads = reads_of("T1", ("START", 0), ("FINISH", 1200)) + reads_of("T2", ("FINISH", 3000))
    rows = race(reads, entrants)
    assert HELD_FASTER_THAN_RECORD in rows["1"].result.flags
    assert rows["1"].result.status == "finished"
    assert rows["1"].places.overall is None
    assert rows["2"].places.overall == 1
    # The course's own record, when set, is the limit instead.
    slow_record = Course("10K", finish="FINISH", start="START", record=secs(3600))
    assert HELD_FASTER_THAN_RECORD in race(reads, entrants, setup_of(slow_record))["2"].result.flags


def test_a_runner_with_no_course_runs_the_only_course_and_an_unknown_course_is_not_timed() -> None:
    """[course-of-runner]"""
    reads = reads_of("T1", ("FINISH", 3000)) + reads_of("T2", ("FINISH", 3000))
    rows = race(reads, [runner("1"), runner("2", course="21K")])
    assert rows["1"].result.course == "10K"
    assert rows["1"].places.overall == 1
    assert rows["2"].result.course is None
    assert rows["2"].result.flags == (NO_COURSE,)
    assert rows["2"].result.finish is None
    five = Course("5K", finish="FINISH", min_time=5 * MIN)
    rows = race(reads, [runner("1"), runner("2", course="5K")], setup=setup_of(TEN_K, five))
    assert rows["1"].result.course is None  # two courses: an empty course is no course
    assert rows["2"].result.course == "5K"


def test_rank_by_defaults_to_chip_with_a_start_point_and_to_gun_without() -> None:
    """[rank-by-default]"""
    assert TEN_K.ranking == "chip"
    assert Course("5K", finish="FINISH").ranking == "gun"
    assert Course("10K", finish="F", start="S", rank_by="gun").ranking == "gun"
    with pytest.raises(ValueError, match="ranking by chip time needs a start point"):
        Course("5K", finish="FINISH", rank_by="chip")
