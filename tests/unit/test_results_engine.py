"""The results engine's rules, one test per rule, plus properties over random races."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from p88.results.engine import compute_results, rank
from p88.results.model import (
    FLAG_FASTER_THAN_WORLD_RECORD,
    FLAG_SPLIT_AFTER_FINISH,
    Course,
    Read,
    Runner,
)
from p88.results.passings import collapse, group_reads
from p88.results.records import world_record

GUN = datetime(2021, 5, 8, 8, 0, 0)
COURSE = Course(finish="FINISH", start="START", splits=("10K",), distance_m=21097.5)


def at(seconds: float) -> datetime:
    return GUN + timedelta(seconds=seconds)


def read(tag: str, location: str, seconds: float) -> Read:
    return Read(tag, location, at(seconds))


def one(results, bib):
    return next(r for r in results.rows if r.bib == bib)


def test_start_is_the_last_start_read_and_finish_the_first_plausible_finish_read() -> None:
    runner = Runner("1", "T1", "F", "F30-39")
    reads = [
        read("T1", "FINISH", -600),  # walked over the finish mat on the way to the start
        read("T1", "START", 5),
        read("T1", "START", 9),  # lingered: the last start read counts
        read("T1", "FINISH", 30),  # before the minimum plausible time: not a finish
        read("T1", "10K", 2400),
        read("T1", "FINISH", 5000.37),
        read("T1", "FINISH", 5001),
    ]
    result = one(compute_results(reads, [runner], {"": GUN}, COURSE), "1")
    assert result.start == at(9)
    assert result.finish == at(5000.37)
    assert result.gun_time == timedelta(seconds=5000.37)
    assert result.chip_time == timedelta(seconds=4991.37)
    assert result.splits == {"10K": timedelta(seconds=2391)}
    assert (result.place, result.gender_place, result.age_group_place) == (1, 1, 1)
    assert result.flags == ()


def test_a_runner_crossing_the_start_minutes_after_the_gun_gets_their_own_chip_time() -> None:
    runner = Runner("1", "T1")
    reads = [
        read("T1", "START", 240),  # the back of a mass start: four minutes to reach the line
        read("T1", "FINISH", 5240),
        read("T1", "START", 5400),  # walked back over the start mat after finishing
    ]
    result = one(compute_results(reads, [runner], {"": GUN}, COURSE), "1")
    assert result.start == at(240)
    assert result.chip_time == timedelta(seconds=5000)
    assert result.gun_time == timedelta(seconds=5240)


def test_each_runner_is_timed_from_their_own_wave_gun() -> None:
    guns = {"A": GUN, "B": at(600)}
    runners = [Runner("1", "T1", wave="A"), Runner("2", "T2", wave="B")]
    reads = [
        read("T1", "FINISH", 5000),
        read("T2", "FINISH", 400),  # before wave B's gun: not a finish
        read("T2", "FINISH", 5300),
    ]
    course = Course(finish="FINISH")
    results = compute_results(reads, runners, guns, course)
    assert one(results, "2").finish == at(5300)
    assert one(results, "2").gun_time == timedelta(seconds=4700)
    # Wave B's runner ran faster: first place although they crossed later.
    assert [(r.bib, r.place) for r in results.rows] == [("2", 1), ("1", 2)]


def test_without_any_gun_chip_time_counts_from_the_start_mat() -> None:
    reads = [read("T1", "START", 100), read("T1", "FINISH", 3700)]
    result = one(compute_results(reads, [Runner("1", "T1")], {}, COURSE), "1")
    assert result.gun_time is None
    assert result.chip_time == timedelta(hours=1)
    assert result.place == 1


def test_ties_to_the_hundredth_share_a_place_and_the_next_place_is_skipped() -> None:
    runners = [Runner(str(i), f"T{i}", "M", "M40") for i in range(1, 5)]
    reads = [
        read("T1", "FINISH", 4000.11),
        read("T2", "FINISH", 4000.11),
        read("T3", "FINISH", 4000.12),
        read("T4", "FINISH", 3999.99),
    ]
    results = compute_results(reads, runners, {"": GUN}, Course(finish="FINISH"))
    assert [(r.bib, r.place) for r in results.rows] == [("4", 1), ("1", 2), ("2", 2), ("3", 4)]
    assert [r.age_group_place for r in results.rows] == [1, 2, 2, 4]


def test_places_by_gender_and_age_group_are_counted_separately() -> None:
    runners = [
        Runner("1", "T1", "M", "M20"),
        Runner("2", "T2", "F", "F20"),
        Runner("3", "T3", "F", "F40"),
        Runner("4", "T4", None, ""),
    ]
    reads = [read(f"T{i}", "FINISH", 3000 + i) for i in range(1, 5)]
    results = compute_results(reads, runners, {"": GUN}, Course(finish="FINISH"))
    got = {r.bib: (r.place, r.gender_place, r.age_group_place) for r in results.rows}
    assert got == {"1": (1, 1, 1), "2": (2, 1, 1), "3": (3, 2, 1), "4": (4, None, None)}


def test_impossible_results_are_flagged_and_not_placed() -> None:
    runners = [Runner("1", "T1"), Runner("2", "T2"), Runner("3", "T3")]
    reads = [
        read("T1", "FINISH", 1800),  # a half marathon in 30 minutes: faster than the record
        read("T2", "10K", 4000),
        read("T2", "FINISH", 3900),  # split after the finish: the finish read is suspect
        read("T3", "FINISH", 4200),
    ]
    results = compute_results(reads, runners, {"": GUN}, COURSE)
    assert one(results, "1").flags == (FLAG_FASTER_THAN_WORLD_RECORD,)
    assert one(results, "2").flags == (FLAG_SPLIT_AFTER_FINISH,)
    assert (one(results, "1").place, one(results, "2").place) == (None, None)
    assert one(results, "3").place == 1


def test_unknown_tags_are_listed_and_never_become_runners() -> None:
    reads = [read("T1", "FINISH", 4000), read("GHOST", "FINISH", 3500)]
    results = compute_results(reads, [Runner("1", "T1")], {"": GUN}, COURSE)
    assert results.unknown_tags == ["GHOST"]
    assert [r.bib for r in results.rows] == ["1"]


def test_a_runner_without_reads_has_no_times_and_no_place() -> None:
    results = compute_results([], [Runner("9", "T9")], {"": GUN}, COURSE)
    row = one(results, "9")
    assert (row.finish, row.gun_time, row.place) == (None, None, None)


def test_ignore_window_collapses_repeats_but_keeps_a_later_lap() -> None:
    reads = [read("T1", "LAP", s) for s in (0, 1, 4.99, 5.0, 5.01, 300, 302)]
    (group,) = group_reads(reads).values()
    passings = collapse(group, timedelta(seconds=5))
    assert [[r.time for r in p] for p in passings] == [
        [at(0), at(1), at(4.99), at(5.0)],
        [at(5.01)],
        [at(300), at(302)],
    ]


def test_world_record_table_is_monotonic_and_matches_the_marathon() -> None:
    assert timedelta(hours=2) < world_record(42195) < timedelta(hours=2, minutes=1)
    distances = [400, 1500, 5000, 8000, 10000, 15000, 21097.5, 30000, 42195, 50000, 160000]
    times = [world_record(d) for d in distances]
    assert times == sorted(times)


# --- properties ---------------------------------------------------------------------------

finish_seconds = st.floats(min_value=61, max_value=20000, allow_nan=False).map(
    lambda s: round(s, 2)
)


@settings(max_examples=200, deadline=None)
@given(st.lists(finish_seconds, min_size=1, max_size=40))
def test_places_follow_time_order_and_ties_share(finishes: list[float]) -> None:
    runners = [Runner(str(i), f"T{i}") for i in range(len(finishes))]
    reads = [read(f"T{i}", "FINISH", s) for i, s in enumerate(finishes)]
    results = compute_results(reads, runners, {"": GUN}, Course(finish="FINISH"))
    rows = results.rows
    assert [r.place for r in rows] == sorted(r.place for r in rows)
    for a in rows:
        for b in rows:
            if a.gun_time == b.gun_time:
                assert a.place == b.place
            elif a.gun_time < b.gun_time:
                assert a.place < b.place
        # a place is 1 + the number of runners strictly faster
        assert a.place == 1 + sum(1 for b in rows if b.gun_time < a.gun_time)


@settings(max_examples=200, deadline=None)
@given(
    finish=finish_seconds,
    echoes=st.lists(st.floats(min_value=0, max_value=4.99), max_size=8),
    early=st.lists(st.floats(min_value=-3600, max_value=59.99), max_size=8),
)
def test_repeats_after_the_finish_and_reads_before_the_plausible_time_change_nothing(
    finish: float, echoes: list[float], early: list[float]
) -> None:
    runner = [Runner("1", "T1")]
    base = [read("T1", "FINISH", finish)]
    noisy = (
        base
        + [read("T1", "FINISH", finish + e + 0.01) for e in echoes]
        + [read("T1", "FINISH", s) for s in early]
    )
    course = Course(finish="FINISH")
    clean = compute_results(base, runner, {"": GUN}, course).rows
    assert compute_results(noisy, runner, {"": GUN}, course).rows == clean


def test_rank_is_competition_ranking() -> None:
    assert rank([("a", 5), ("b", 3), ("c", 5), ("d", 9)]) == {"a": 2, "b": 1, "c": 2, "d": 4}
