"""Event setup: waves and their guns, age groups, and setups that cannot work."""

from __future__ import annotations

from datetime import date

import pytest

from p88.results.agegroups import FIVE_YEAR_BANDS, AgeGroups, Band, age_group, age_on
from p88.results.corrections import ChangeWave, MoveGun
from p88.results.setup import BibRange, Course, GunLine, Point, Setup, Wave
from p88.results.waves import gun_table, natural_key, usable_lines, wave_list
from tests.unit.results_support import GUN, TEN_K, at, race, reads_of, runner, secs, setup_of

LINES = [GunLine(1, at(0), "START"), GunLine(2, at(600), "START"), GunLine(3, at(1200), "START")]


def guns_of(setup: Setup, lines: list[GunLine], moved: dict[str, int] | None = None) -> dict:
    table = gun_table(wave_list(setup, []), usable_lines(setup, lines), moved or {})
    return dict(table.guns)


def test_waves_take_the_guntime_lines_in_order() -> None:
    """[gun-of-wave]"""
    setup = setup_of(waves=(Wave("A"), Wave("B"), Wave("C")))
    assert guns_of(setup, list(reversed(LINES))) == {"A": at(0), "B": at(600), "C": at(1200)}


def test_a_moved_gun_beats_a_manual_gun_beats_a_chosen_line_beats_the_order() -> None:
    """[gun-of-wave] Wave C chose line 1 by hand, so A and B take lines 2 and 3 in order."""
    setup = setup_of(waves=(Wave("A"), Wave("B", gun=at(5)), Wave("C", gun_line=1), Wave("D")))
    assert guns_of(setup, LINES) == {"A": at(600), "B": at(5), "C": at(0), "D": at(1200)}
    moved = guns_of(setup, LINES, {"B": at(7), "C": at(8)})
    assert (moved["B"], moved["C"]) == (at(7), at(8))


def test_only_the_gun_location_counts_and_one_hundredth_is_one_gun() -> None:
    """[gun-of-wave] START and FINISH both reported the same shot; CHECK fired a test shot."""
    lines = [
        GunLine(1, at(0), "START"),
        GunLine(2, at(0), "FINISH"),
        GunLine(3, at(600), "START"),
        GunLine(4, at(300), "CHECK"),
    ]
    setup = setup_of(waves=(Wave("1"), Wave("2")))
    assert guns_of(setup, lines) == {"1": at(0), "2": at(300)}
    setup = setup_of(waves=(Wave("1"), Wave("2")), gun_location="START")
    assert guns_of(setup, lines) == {"1": at(0), "2": at(600)}


def test_without_a_wave_setup_the_file_waves_take_guns_in_natural_order() -> None:
    """[wave-of-runner] [gun-of-wave]"""
    entrants = [runner("1", wave="10"), runner("2", wave="2"), runner("3", wave="1")]
    assert [w.name for w in wave_list(setup_of(), entrants)] == ["1", "2", "10"]
    assert sorted(["b", "10", "a", "9"], key=natural_key) == ["9", "10", "a", "b"]
    reads = reads_of("T1", ("FINISH", 4000)) + reads_of("T2", ("FINISH", 4000))
    rows = race(reads, entrants, lines=LINES)
    assert rows["1"].result.gun == at(1200)  # wave 10 is the third
    assert rows["2"].result.gun_time == secs(3400)  # wave 2 is the second
    assert wave_list(setup_of(), [runner("1")]) == (Wave(""),)


def test_a_runners_wave_is_a_correction_then_a_bib_range_then_the_file() -> None:
    """[wave-of-runner]"""
    setup = setup_of(
        waves=(Wave("1"), Wave("2"), Wave("3")),
        wave_ranges=(BibRange("2", 100, 199),),
    )
    entrants = [runner("150", wave="1"), runner("151", wave="3"), runner("7", wave="3")]
    reads = [
        *reads_of("T150", ("FINISH", 3000)),
        *reads_of("T151", ("FINISH", 3000)),
        *reads_of("T7", ("FINISH", 3000)),
    ]
    rows = race(reads, entrants, setup, LINES, [ChangeWave(1, "151", "1")])
    assert {bib: row.result.wave for bib, row in rows.items()} == {"150": "2", "151": "1", "7": "3"}


def test_a_runner_with_no_wave_runs_the_only_wave_but_not_one_of_several() -> None:
    """[wave-of-runner]"""
    one = setup_of(waves=(Wave("Elite"),))
    rows = race(reads_of("T1", ("FINISH", 3000)), [runner("1")], one)
    assert (rows["1"].result.wave, rows["1"].result.gun) == ("Elite", GUN)
    two = setup_of(waves=(Wave("1"), Wave("2")))
    rows = race(reads_of("T1", ("START", 30), ("FINISH", 3000)), [runner("1")], two, LINES)
    assert rows["1"].result.gun is None
    assert rows["1"].result.gun_time is None
    assert rows["1"].result.chip_time == secs(2970)
    assert rows["1"].places.overall == 1  # chip-timed from their own start: still ranked


def test_a_race_without_waves_and_several_guns_has_no_known_gun_until_told() -> None:
    """[gun-of-wave] Taking the first line would time waves 2 and 3 from wave 1's gun."""
    entrants = [runner("1"), runner("150"), runner("250")]
    reads = [
        *reads_of("T1", ("START", 5), ("FINISH", 3000)),
        *reads_of("T150", ("START", 605), ("FINISH", 3600)),
        *reads_of("T250", ("START", 1205), ("FINISH", 4200)),
    ]
    rows = race(reads, entrants, lines=LINES)
    assert {row.result.gun for row in rows.values()} == {None}
    assert rows["150"].result.chip_time == secs(2995)  # chip times need no gun
    told = race(reads, entrants, lines=LINES, corrections=[MoveGun(1, "", at(0))])
    assert told["250"].result.gun_time == secs(4200)  # one gun for all: the timer's choice
    waves = setup_of(
        waves=(Wave("1"), Wave("2"), Wave("3")),
        wave_ranges=(BibRange("1", 1, 99), BibRange("2", 100, 199), BibRange("3", 200, 299)),
    )
    rows = race(reads, entrants, waves, LINES)
    assert [rows[bib].result.gun_time for bib in ("1", "150", "250")] == [secs(3000)] * 3
    one = race(reads_of("T1", ("FINISH", 3000)), [runner("1")], lines=LINES[:1])
    assert one["1"].result.gun == GUN  # one line, no waves: the race's gun


def test_a_moved_gun_for_a_wave_that_is_not_set_up_changes_nothing() -> None:
    """[move-gun]"""
    rows = race(reads_of("T1", ("FINISH", 3000)), corrections=[MoveGun(1, "Z", at(50))])
    assert rows["1"].result.gun == GUN


def test_five_year_bands_with_under_20_and_80_plus() -> None:
    """[age-groups]"""
    scheme = AgeGroups()
    assert scheme.bands == FIVE_YEAR_BANDS
    cases = {5: "F0-19", 19: "F0-19", 20: "F20-24", 34: "F30-34", 79: "F75-79", 80: "F80+"}
    for age, label in cases.items():
        assert age_group(scheme, "F", age, "") == label
    assert age_group(scheme, "X", 44, "") == "X40-44"
    assert age_group(scheme, None, 44, "") is None
    assert age_group(scheme, "M", None, "M40") is None


def test_custom_bands_and_the_files_own_age_groups() -> None:
    """[age-groups]"""
    custom = AgeGroups(bands=(Band(0, 14, "Youth"), Band(15, 39), Band(40, None, "Masters")))
    assert [age_group(custom, "M", a, "") for a in (9, 15, 39, 70)] == [
        "MYouth",
        "M15-39",
        "M15-39",
        "MMasters",
    ]
    assert age_group(AgeGroups(bands=(Band(20, 29),)), "F", 31, "") is None  # no band fits
    from_file = AgeGroups(source="file")
    assert age_group(from_file, "F", 31, " Open ") == "Open"
    assert age_group(from_file, "F", 31, "") is None


def test_the_age_is_the_date_of_birth_at_the_race_date_else_the_age_column() -> None:
    """[age-groups]"""
    assert age_on(date(1990, 5, 8), date(2021, 5, 8)) == 31  # the birthday itself counts
    assert age_on(date(1990, 5, 9), date(2021, 5, 8)) == 30
    setup = setup_of(race_date=date(2021, 5, 8))
    entrants = [
        runner("1", gender="f", age=40, birth_date=date(1991, 5, 9)),  # 29 on race day
        runner("2", gender="M", age=40),
    ]
    rows = race([], entrants, setup)
    assert rows["1"].result.age_group == "F25-29"
    assert rows["2"].result.age_group == "M40-44"


def test_setups_that_cannot_work_say_what_to_change() -> None:
    with pytest.raises(ValueError, match="overlap: give each age one band"):
        AgeGroups(bands=(Band(0, 30), Band(30, None)))
    with pytest.raises(ValueError, match="'10K' is listed twice"):
        Setup(courses=(TEN_K, TEN_K))
    with pytest.raises(ValueError, match="location 'B' is listed twice"):
        Setup(courses=(TEN_K,), points=(Point("F", ("A", "B")), Point("G", ("B",))))
    with pytest.raises(ValueError, match="overlap: give each bib one wave"):
        Setup(courses=(TEN_K,), wave_ranges=(BibRange("1", 1, 100), BibRange("2", 100, 200)))
    with pytest.raises(ValueError, match="laps are not supported"):
        Course("X", finish="F", splits=(TEN_K.splits[0], TEN_K.splits[0]))
    with pytest.raises(ValueError, match="at least one course"):
        Setup(courses=())
