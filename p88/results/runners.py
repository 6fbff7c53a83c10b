"""An entrant resolved against the setup and the corrections: course, wave, gun, categories."""

from __future__ import annotations

from collections.abc import Iterable

from p88.results.agegroups import age_group, normal_gender, runner_age
from p88.results.corrections import CorrectionBook
from p88.results.model import Entrant
from p88.results.rules import Judgement, Runner
from p88.results.setup import Course, Setup
from p88.results.waves import GunTable, ranged_wave


def course_of(setup: Setup, name: str) -> Course | None:
    """The named course; a runner with no course runs the only one when there is one."""
    if name == "" and len(setup.courses) == 1:
        return setup.courses[0]
    return setup.course(name)


def resolve(entrant: Entrant, setup: Setup, guns: GunTable, corrections: CorrectionBook) -> Runner:
    course_name = corrections.course(entrant.bib)
    if course_name is None:
        course_name = entrant.course
    wave = corrections.wave(entrant.bib)
    if wave is None:
        wave = ranged_wave(setup, entrant.bib)
    if wave is None:
        wave = entrant.wave
    wave, gun = guns.gun_for(wave)
    gender = normal_gender(entrant.gender)
    age = runner_age(entrant.age, entrant.birth_date, setup.race_date)
    group = age_group(setup.age_groups, gender, age, entrant.age_group)
    return Runner(entrant, course_of(setup, course_name), wave, gun, gender, group)


def judgement(runner: Runner, corrections: CorrectionBook) -> Judgement:
    bib = runner.entrant.bib
    course = runner.course
    return Judgement(
        corrections.manual_times(bib),
        corrections.status(bib),
        corrections.confirmed(bib),
        course is not None and corrections.closed(course.name),
    )


def unique_entrants(entrants: Iterable[Entrant]) -> tuple[dict[str, Entrant], dict[str, str]]:
    """bib -> entrant and tag -> bib, the first of duplicates kept (problems lists the rest)."""
    by_bib: dict[str, Entrant] = {}
    tag_bib: dict[str, str] = {}
    for entrant in entrants:
        if entrant.bib not in by_bib:
            by_bib[entrant.bib] = entrant
            tag_bib.setdefault(entrant.tag, entrant.bib)
    return by_bib, tag_bib
