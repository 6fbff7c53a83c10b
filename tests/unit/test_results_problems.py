"""Problems are shown, never silent: each says what is wrong and how to fix it."""

from __future__ import annotations

from p88.results.corrections import CloseCourse, ManualTime, MoveGun, SetStatus
from p88.results.engine import Engine
from p88.results.model import Read
from p88.results.problems import Problem, listing
from p88.results.setup import Course, GunLine, Split, Wave
from tests.unit.results_support import MIN, ONE_GUN, at, reads_of, runner
from tests.unit.results_support import setup_of as setup_with


def problems(engine: Engine, kind: str) -> list[Problem]:
    return [p for p in engine.problems() if p.kind == kind]


def test_runners_with_no_wave_when_there_are_several_waves() -> None:
    """[problems] Their gun time is unknown until fixed; the message says how to fix it."""
    setup = setup_with(waves=(Wave("1"), Wave("2")))
    lines = [GunLine(1, at(0)), GunLine(2, at(300))]
    engine = Engine(setup, [runner("1", wave="1"), runner("2"), runner("3")], lines)
    (problem,) = problems(engine, "no-wave")
    assert problem.bibs == ("2", "3")
    assert "gun time is unknown" in problem.message
    assert "Give them a wave" in problem.message
    assert engine.result("2").gun_time is None


def test_runners_with_no_wave_when_several_guns_were_fired() -> None:
    """[problems] No wave column, no wave setup, three guns: unknown until fixed, and how."""
    lines = [GunLine(1, at(0), "START"), GunLine(2, at(300), "START"), GunLine(3, at(600))]
    engine = Engine(setup_with(), [runner("1"), runner("2"), runner("3")], lines)
    (problem,) = problems(engine, "no-wave")
    assert problem.bibs == ("1", "2", "3")
    assert "3 runners have no wave and 3 guns were fired" in problem.message
    assert "(at 08:00:00.00, 08:05:00.00, 08:10:00.00)" in problem.message
    assert "gun time is unknown until fixed" in problem.message
    assert "a bib range per wave" in problem.message
    assert problems(engine, "unassigned-gun-line") == []  # the message names the lines
    engine.apply(MoveGun(1, "", at(0)))  # one gun for the race after all
    assert problems(engine, "no-wave") == []
    assert len(problems(engine, "unassigned-gun-line")) == 3  # test shots, or waves to add


def test_a_wave_without_gun_a_wave_not_set_up_and_a_line_no_wave_took() -> None:
    """[problems]"""
    setup = setup_with(waves=(Wave("1"), Wave("2"), Wave("3", gun_line=99)))
    engine = Engine(
        setup,
        [
            runner("1", wave="1"),
            runner("2", wave="2"),
            runner("3", wave="3"),
            runner("4", wave="Z"),
        ],
        [GunLine(1, at(0), "START")],
    )
    no_gun = problems(engine, "wave-without-gun")
    assert [p.waves for p in no_gun] == [("2",), ("3",)]
    assert "no gun line is left for it" in no_gun[0].message
    assert "(id 99) does not exist" in no_gun[1].message
    assert "set its gun by hand" in no_gun[0].message
    (unknown,) = problems(engine, "unknown-wave")
    assert unknown.bibs == ("4",)
    assert "Add the wave to the setup" in unknown.message
    engine.add_gun_line(GunLine(2, at(300), "START"))
    engine.add_gun_line(GunLine(3, at(900), "START"))
    assert [p.waves for p in problems(engine, "wave-without-gun")] == [("3",)]
    (line,) = problems(engine, "unassigned-gun-line")
    assert "08:15:00.00 (START) starts no wave" in line.message


def test_tags_read_that_belong_to_no_participant() -> None:
    """[problems] Listed with where they were read, never shown as a person."""
    reads = [Read("GHOST", "FINISH", at(900)), Read("GHOST", "5K", at(400))]
    engine = Engine(setup_with(), [runner("1")], ONE_GUN, (), reads)
    (problem,) = problems(engine, "unknown-tag")
    assert problem.tags == ("GHOST",)
    assert "read 2 times (5K 1, FINISH 1)" in problem.message
    assert "put it on their entry" in problem.message
    assert [row.entrant.bib for row in engine.rows()] == ["1"]
    engine.set_entrants([runner("1"), runner("2", tag="GHOST")])
    assert problems(engine, "unknown-tag") == []
    assert engine.result("2").finish == at(900)  # its reads were kept


def test_runners_with_a_finish_but_no_start_read() -> None:
    """[problems] [no-start-read]"""
    engine = Engine(setup_with(), [runner("1"), runner("2")], ONE_GUN)
    engine.add_reads(reads_of("T1", ("FINISH", 3000)) + reads_of("T2", ("START", 1)))
    (problem,) = problems(engine, "no-start-read")
    assert problem.bibs == ("1",)
    assert "chip time is their gun time" in problem.message
    assert "manual start time" in problem.message


def test_duplicate_bibs_and_tags() -> None:
    """[problems] Only the first of a bib is timed; a shared tag counts for the first."""
    entrants = [runner("1"), runner("1", name="Twin"), runner("2", tag="T3"), runner("3")]
    engine = Engine(setup_with(), entrants, ONE_GUN, (), reads_of("T3", ("FINISH", 3000)))
    (bib,) = problems(engine, "duplicate-bib")
    assert bib.bibs == ("1",)
    assert "only the first in the file is timed" in bib.message
    (tag,) = problems(engine, "duplicate-tag")
    assert (tag.tags, tag.bibs) == (("T3",), ("2", "3"))
    assert engine.result("2").status == "finished"
    assert engine.result("3").status == "dns"
    assert engine.row("1").entrant.name == ""


def test_clock_skew_and_too_fast_finishes() -> None:
    """[problems] [clock-skew] [record]"""
    course = Course("10K", finish="FINISH", start="START", splits=(Split("5K"),), distance_m=10000)
    entrants = [runner("1"), runner("2"), runner("3")]
    reads = [
        *reads_of("T1", ("START", 0), ("5K", 3100), ("FINISH", 3000)),
        *reads_of("T2", ("5K", 10), ("START", 30), ("FINISH", 3000)),
        *reads_of("T3", ("START", 0), ("FINISH", 1000)),
    ]
    engine = Engine(setup_with(course), entrants, ONE_GUN, (), reads)
    (after,) = problems(engine, "split-after-finish")
    assert after.bibs == ("1",)
    assert "compare them" in after.message
    (before,) = problems(engine, "split-before-start")
    assert before.bibs == ("2",)
    (held,) = problems(engine, "held-faster-than-record")
    assert "Bib 3 finished 10K in 0:16:40.00" in held.message
    assert "confirm the result" in held.message


def test_a_course_not_set_up_and_a_manual_time_off_the_course() -> None:
    """[problems] [manual-time]"""
    engine = Engine(
        setup_with(Course("10K", finish="FINISH", min_time=MIN), Course("5K", finish="FINISH")),
        [runner("1", course="10K"), runner("2", course="21K"), runner("3")],
        ONE_GUN,
        [ManualTime(1, "1", "HALFWAY", at(100))],
    )
    courses = problems(engine, "no-course")
    assert [p.bibs for p in courses] == [("3",), ("2",)]
    assert "have no course" in courses[0].message
    assert "run course '21K', which is not set up" in courses[1].message
    (manual,) = problems(engine, "manual-time-off-course")
    assert "HALFWAY, which is not a point of course 10K: it is not used" in manual.message


def test_long_lists_of_bibs_are_cut() -> None:
    assert listing([str(i) for i in range(13)]) == "bibs 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 and 3 more"


def test_corrections_for_a_bib_wave_or_course_that_is_not_there() -> None:
    """[problems] They do nothing, and the timer is told."""
    corrections = [
        ManualTime(1, "99", "FINISH", at(100)),
        MoveGun(2, "7", at(5)),
        CloseCourse(3, "50K"),
        SetStatus(4, "1", "dq", "ok: bib 1 exists"),
    ]
    engine = Engine(setup_with(), [runner("1")], ONE_GUN, corrections)
    found = problems(engine, "correction-without-target")
    assert [p.message.split(" (")[0] for p in found] == [
        "Correction 1",
        "Correction 2",
        "Correction 3",
    ]
    assert "is for bib 99, which is not in this event: it does nothing" in found[0].message
    assert "wave '7'" in found[1].message
    assert "course '50K'" in found[2].message
