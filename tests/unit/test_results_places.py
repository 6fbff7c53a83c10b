"""Places within a course, by chip or gun time, and when a place stops being provisional."""

from __future__ import annotations

from p88.results.compute import compute, rank
from p88.results.corrections import CloseCourse, ConfirmResult, SetStatus
from p88.results.engine import Engine
from p88.results.setup import Course, GunLine, Wave
from p88.results.standings import RankingKey
from tests.unit.results_support import MIN, ONE_GUN, TEN_K, at, race, reads_of, runner, secs
from tests.unit.results_support import setup_of as setup_with

FIVE_K = Course("5K", finish="FINISH", start="START", distance_m=5000.0, min_time=5 * MIN)
GUN_10K = Course("10K", finish="FINISH", distance_m=10000.0, min_time=10 * MIN)


def test_competition_ranking_shares_places_and_skips_the_next() -> None:
    """[places]"""
    assert rank([("a", 500), ("b", 300), ("c", 500), ("d", 900)]) == {
        "a": 2,
        "b": 1,
        "c": 2,
        "d": 4,
    }


def test_places_overall_by_gender_and_by_age_group_within_each_course() -> None:
    """[places] The 5K and the 10K share mats; each has its own places."""
    entrants = [
        runner("1", gender="M", age=25, course="10K"),
        runner("2", gender="F", age=26, course="10K"),
        runner("3", gender="F", age=41, course="10K"),
        runner("4", course="10K"),  # no gender, no age: ranked overall only
        runner("5", gender="F", age=30, course="5K"),
    ]
    reads = [r for i in range(1, 5) for r in reads_of(f"T{i}", ("FINISH", 3000 + i))]
    reads += reads_of("T5", ("FINISH", 1500))
    rows = race(reads, entrants, setup_with(TEN_K, FIVE_K))
    got = {b: (r.places.overall, r.places.gender, r.places.age_group) for b, r in rows.items()}
    assert got == {
        "1": (1, 1, 1),
        "2": (2, 1, 1),
        "3": (3, 2, 1),
        "4": (4, None, None),
        "5": (1, 1, 1),
    }
    engine = Engine(setup_with(TEN_K, FIVE_K), entrants, ONE_GUN, (), reads)
    sizes = {key: len(ranking) for key, ranking in engine.rankings().items()}
    assert (sizes[RankingKey("10K", "overall", "")], sizes[RankingKey("10K", "gender", "F")]) == (
        4,
        2,
    )
    assert rows["3"].result.age_group == "F40-44"


def test_equal_times_to_the_hundredth_share_a_place_and_the_next_is_skipped() -> None:
    """[places] .119 and .111 are both .11: truncated, never rounded."""
    entrants = [runner(str(i), gender="M", age=40) for i in range(1, 5)]
    reads = [
        *reads_of("T1", ("FINISH", 4000.11)),
        *reads_of("T2", ("FINISH", 4000.11)),
        *reads_of("T3", ("FINISH", 4000.12)),
        *reads_of("T4", ("FINISH", 3999.99)),
    ]
    rows = race(reads, entrants, setup_with(GUN_10K))
    assert [rows[b].places.overall for b in "1234"] == [2, 2, 4, 1]
    assert [rows[b].places.age_group for b in "1234"] == [2, 2, 4, 1]
    engine = Engine(setup_with(GUN_10K), entrants, ONE_GUN, (), reads)
    overall = engine.ranking(RankingKey("10K", "overall", ""))
    assert overall is not None
    assert overall.leaders(3) == ["4", "1", "2"]


def test_places_follow_the_courses_rank_by() -> None:
    """[places] Runner 2 crossed the start later: faster by chip, slower by gun."""
    entrants = [runner("1"), runner("2")]
    reads = reads_of("T1", ("START", 5), ("FINISH", 3000)) + reads_of(
        "T2", ("START", 200), ("FINISH", 3100)
    )
    by_chip = race(reads, entrants, setup_with(TEN_K))
    assert [by_chip[b].places.overall for b in "12"] == [2, 1]
    by_gun = Course("10K", finish="FINISH", start="START", rank_by="gun", min_time=10 * MIN)
    rows = race(reads, entrants, setup_with(by_gun))
    assert [rows[b].places.overall for b in "12"] == [1, 2]


def test_a_wave_runner_is_ranked_by_their_own_gun() -> None:
    """[places]"""
    setup = setup_with(GUN_10K, waves=(Wave("A"), Wave("B")))
    entrants = [runner("1", wave="A"), runner("2", wave="B")]
    lines = [GunLine(1, at(0)), GunLine(2, at(600))]
    reads = reads_of("T1", ("FINISH", 3000)) + reads_of("T2", ("FINISH", 3500))
    rows = race(reads, entrants, setup, lines)
    assert rows["2"].result.gun_time == secs(2900)
    assert [rows[b].places.overall for b in "12"] == [2, 1]


def provisional(engine: Engine, bib: str, seconds: float) -> bool:
    return engine.provisional(bib, at(seconds))["overall"]


def test_on_a_gun_time_course_a_place_is_final_once_nobody_out_can_beat_it() -> None:
    """[provisional] The example of RESULTS.md: everyone started at 08:00."""
    engine = Engine(setup_with(GUN_10K), [runner("1"), runner("2")], ONE_GUN)
    engine.add_reads(reads_of("T1", ("FINISH", 1860)))  # 0:31:00
    assert provisional(engine, "1", 1859.99)  # runner 2 crossing now would beat it
    assert not provisional(engine, "1", 1860)  # now they can only tie (sharing the place)
    engine.add_reads(reads_of("T2", ("FINISH", 1900)))
    assert not provisional(engine, "1", 1800)  # nobody is left out


def test_on_a_chip_course_it_waits_for_the_last_starter_and_for_those_not_started() -> None:
    """[provisional] Runner 2 crossed the start at 08:06: first place (0:31:00) cannot be
    beaten by them from 08:37; runner 3 has not started and may until 08:50."""
    closes = Course(
        "10K", finish="FINISH", start="START", min_time=10 * MIN, start_closes=secs(3000)
    )
    engine = Engine(setup_with(closes), [runner("1"), runner("2"), runner("3")], ONE_GUN)
    engine.add_reads(reads_of("T1", ("START", 0), ("FINISH", 1860)))
    engine.add_reads(reads_of("T2", ("START", 360)))
    assert provisional(engine, "1", 2219.99)
    assert provisional(engine, "1", 2999.99)  # runner 3 could still start
    assert not provisional(engine, "1", 3000)
    engine.apply(SetStatus(1, "3", "dns", "not at the start"))
    assert provisional(engine, "1", 2219.99)
    assert not provisional(engine, "1", 2220)


def test_without_start_closes_a_runner_not_started_keeps_chip_places_open() -> None:
    """[provisional] [close-course]"""
    never = Course("10K", finish="FINISH", start="START", min_time=10 * MIN)
    engine = Engine(setup_with(never), [runner("1"), runner("3")], ONE_GUN)
    engine.add_reads(reads_of("T1", ("START", 0), ("FINISH", 1860)))
    assert provisional(engine, "1", 99999)
    engine.apply(CloseCourse(2, "10K"))
    assert not provisional(engine, "1", 1860)


def test_a_held_result_keeps_slower_places_provisional_until_checked() -> None:
    """[provisional] [record]"""
    engine = Engine(setup_with(GUN_10K), [runner("1"), runner("2")], ONE_GUN)
    engine.add_reads(reads_of("T1", ("FINISH", 1200)) + reads_of("T2", ("FINISH", 3000)))
    assert engine.places("2").overall == 1
    assert provisional(engine, "2", 5000)
    engine.apply(ConfirmResult(1, "1"))
    assert engine.places("2").overall == 2
    assert not provisional(engine, "2", 5000)


def test_a_held_result_with_the_same_time_cannot_take_the_place() -> None:
    """[provisional] Confirmed, it would share the place: nothing to wait for."""
    engine = Engine(setup_with(GUN_10K), [runner("1"), runner("2")], ONE_GUN)
    engine.apply(ConfirmResult(1, "1"))
    engine.add_reads(reads_of("T1", ("FINISH", 1200)) + reads_of("T2", ("FINISH", 1200)))
    assert engine.places("1").overall == 1
    assert engine.places("2").overall is None  # held
    assert not provisional(engine, "1", 1300)
    engine.apply(ConfirmResult(2, "2"))
    assert [engine.places(b).overall for b in "12"] == [1, 1]


def test_runners_with_no_gun_keep_places_provisional() -> None:
    """[provisional] Wave B has no gun: its runner could be anything."""
    setup = setup_with(GUN_10K, waves=(Wave("A"), Wave("B")))
    engine = Engine(setup, [runner("1", wave="A"), runner("2", wave="B")], ONE_GUN)
    engine.add_reads(reads_of("T1", ("FINISH", 3000)))
    assert provisional(engine, "1", 99999)
    engine.add_gun_line(GunLine(2, at(60)))
    assert not provisional(engine, "1", 3060)


def test_the_engine_answers_as_the_reference_scan() -> None:
    """[provisional] engine.provisional == Snapshot.provisional (a scan of every runner)."""
    course = Course(
        "10K", finish="FINISH", start="START", min_time=10 * MIN, start_closes=secs(600)
    )
    entrants = [runner(str(i), gender="MF"[i % 2], age=20 + i) for i in range(1, 7)]
    reads = [
        *reads_of("T1", ("START", 0), ("FINISH", 1900)),
        *reads_of("T2", ("START", 30), ("FINISH", 2100)),
        *reads_of("T3", ("START", 100)),
        *reads_of("T4", ("5K", 900)),
        *reads_of("T5", ("START", 20), ("FINISH", 1000)),  # held: too fast
    ]
    setup = setup_with(course)
    engine = Engine(setup, entrants, ONE_GUN, (), reads)
    snapshot = compute(setup, entrants, ONE_GUN, (), reads)
    for bib in ("1", "2"):
        for seconds in range(1800, 2800, 7):
            assert engine.provisional(bib, at(seconds)) == snapshot.provisional(bib, at(seconds))
