"""Award lists: overall winners per gender, then the top N of each age group."""

from __future__ import annotations

import io

import pytest

from p88.results.awards import (
    AWARDS_HEADER,
    AwardRules,
    award_lists,
    award_values,
    write_awards_csv,
)
from p88.results.corrections import SetStatus
from p88.results.engine import Engine
from p88.results.setup import Course
from tests.unit.results_support import MIN, ONE_GUN, reads_of, runner
from tests.unit.results_support import setup_of as setup_with

FIVE_K = Course("5K", finish="FINISH", min_time=5 * MIN)
# bib: (gender, age, finish seconds after the gun)
FIELD = {
    "1": ("F", 30, 1000), "2": ("F", 31, 1100), "3": ("F", 32, 1100), "4": ("F", 33, 1300),
    "5": ("F", 35, 1050), "6": ("F", 36, 1400),
    "7": ("M", 30, 900), "8": ("M", 31, 950), "9": ("M", 34, 1200),
    "10": ("M", 40, 1250), "11": ("M", 41, 800),
    "12": (None, None, 700),
}  # fmt: skip


def engine() -> Engine:
    entrants = [runner(b, gender=g, age=a) for b, (g, a, _) in FIELD.items()]
    reads = [read for b, (_, _, t) in FIELD.items() for read in reads_of(f"T{b}", ("FINISH", t))]
    dq = SetStatus(1, "11", "dq", "cut the course")
    return Engine(setup_with(FIVE_K), entrants, ONE_GUN, [dq], reads)


def lists(rules: AwardRules) -> dict[str, list[tuple[int, str]]]:
    race = engine()
    found: dict[str, list[tuple[int, str]]] = {}
    for award in award_lists(race.rows(), race.setup, rules):
        found.setdefault(award.award, []).append((award.award_place, award.row.entrant.bib))
    return found


def test_overall_winners_then_the_age_groups_without_them() -> None:
    """Ties share an award place; a DQ and a runner with no gender take nothing."""
    assert lists(AwardRules(top=2, overall=1, exclude_overall=True)) == {
        "Overall F": [(1, "1")],
        "Overall M": [(1, "7")],
        "F30-34": [(1, "2"), (1, "3")],
        "F35-39": [(1, "5"), (2, "6")],
        "M30-34": [(1, "8"), (2, "9")],
        "M40-44": [(1, "10")],
    }


def test_overall_winners_can_also_take_their_age_group() -> None:
    found = lists(AwardRules(top=2, overall=1, exclude_overall=False))
    assert found["F30-34"] == [(1, "1"), (2, "2"), (2, "3")]
    assert found["M30-34"] == [(1, "7"), (2, "8")]
    assert not any(name.startswith("Overall") for name in lists(AwardRules(top=1, overall=0)))


def test_the_awards_file() -> None:
    race = engine()
    awards = award_lists(race.rows(), race.setup, AwardRules(top=1, overall=1))
    out = io.StringIO()
    assert write_awards_csv(out, awards) == len(awards) == 7  # F30-34 has a tie
    lines = out.getvalue().split("\r\n")
    assert lines[0] == ",".join(AWARDS_HEADER)
    assert lines[1] == "5K,Overall F,1,1,,F,F30-34,0:16:40.00,4,1,1"
    assert award_values(awards[-1])["time"] == "0:20:50.00"  # M40-44: bib 10
    with pytest.raises(ValueError, match="between 1 and 100"):
        AwardRules(top=0)
