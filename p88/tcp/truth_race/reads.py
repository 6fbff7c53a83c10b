"""The reads the truth race's mats make of what really happened (p88.tcp.truth_race.plan).

A crossing makes 1-4 reads within a few seconds. At the start a runner lingers on the mat, so
their LAST read there is when they left; at a split and at the finish the FIRST read is the
crossing. The finish has two lines, FINISH and FINISH-BACKUP, reading the same crossings a few
hundredths apart; some runners are read by one line only, and the first read of the crossing
(the true finish) falls on either.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from p88.tcp.truth_race.field import (
    BACKUP,
    FINISH,
    MATS_PASSED,
    MINUTE,
    SECOND,
    START,
    course_spec,
)
from p88.tcp.truth_race.plan import Fate, Quirk, Runner

UNREGISTERED = tuple(f"99000{n}" for n in range(1, 10))  # spare tags, bandits
TEST_TAGS = ("TEST1", "TEST2")  # walked over every mat in the morning check


@dataclass(frozen=True, slots=True)
class Sighting:
    """One read as the generator made it (the reader and antenna are chosen per stream)."""

    location: str
    tag: str
    time: int


def _crossing(rng: random.Random, location: str, tag: str, first: int) -> list[Sighting]:
    """A split or finish crossing: the first read at `first`, the others just after."""
    times = [first, *(first + rng.randint(1, 250) for _ in range(rng.randint(0, 3)))]
    return [Sighting(location, tag, time) for time in times]


def _start(rng: random.Random, tag: str, start: int) -> list[Sighting]:
    """Lingering on the start mat: reads up to 8 s before leaving, the last one on leaving."""
    times = [start, *(start - rng.randint(1, 8 * SECOND) for _ in range(rng.randint(0, 3)))]
    return [Sighting(START, tag, time) for time in times]


def _finish(rng: random.Random, tag: str, finish: int) -> list[Sighting]:
    draw = rng.random()
    lines = (FINISH, BACKUP) if draw < 0.85 else (FINISH,) if draw < 0.93 else (BACKUP,)
    first = rng.choice(lines)
    found = _crossing(rng, first, tag, finish)
    for other in lines:
        if other != first:  # the other line's clock and antennas: a few hundredths later
            found += _crossing(rng, other, tag, finish + rng.randint(1, 40))
    return found


def _splits(rng: random.Random, runner: Runner) -> list[Sighting]:
    """The mats passed on the way, the 2.5K mat on both courses; 4 % of crossings missed."""
    assert runner.start is not None
    ran = "5K" if Quirk.CUT_COURSE in runner.quirks else runner.course
    course = course_spec(ran)
    whole = runner.finish - runner.start if runner.finish is not None else runner.chip
    found = []
    for location, metres in MATS_PASSED[ran]:
        if runner.stop_m is not None and metres >= runner.stop_m:
            break
        if rng.random() < 0.04:
            continue
        at = runner.start + int(whole * metres / course.distance_m * rng.uniform(0.97, 1.03))
        found += _crossing(rng, location, runner.entry.tag, at)
    return found


def _stray(
    rng: random.Random, runner: Runner, location: str, low: int, high: int
) -> list[Sighting]:
    count = rng.randint(1, 2)
    return [Sighting(location, runner.entry.tag, rng.randint(low, high)) for _ in range(count)]


def _quirk_reads(rng: random.Random, runner: Runner) -> list[Sighting]:
    """Mats crossed when it was not a start or a finish: none of these may count."""
    gun, quirks, found = runner.gun, runner.quirks, []
    if Quirk.ON_MAT_BEFORE_GUN in quirks:
        found += _stray(rng, runner, START, gun - 4 * MINUTE, gun - 1)
    if Quirk.FINISH_MAT_BEFORE_GUN in quirks:
        found += _stray(rng, runner, rng.choice((FINISH, BACKUP)), gun - 25 * MINUTE, gun - 1)
    if Quirk.FINISH_MAT_AFTER_GUN in quirks:
        latest = gun + course_spec(runner.course).min_time - MINUTE
        if runner.start is not None:
            latest = runner.start - 30 * SECOND  # on their way to the start
        found += _stray(rng, runner, rng.choice((FINISH, BACKUP)), gun, latest)
    if Quirk.WALK_BACK in quirks:
        assert runner.finish is not None
        found += _stray(rng, runner, START, runner.finish + 2 * MINUTE, runner.finish + 20 * MINUTE)
    return found


def runner_reads(rng: random.Random, runner: Runner) -> list[Sighting]:
    found = _quirk_reads(rng, runner)
    if runner.fate is Fate.DNS:
        return found
    assert runner.start is not None
    if runner.start_read:
        found += _start(rng, runner.entry.tag, runner.start)
    found += _splits(rng, runner)
    if runner.finish is not None:
        found += _finish(rng, runner.entry.tag, runner.finish)
    return found


def unregistered_reads(rng: random.Random, first_gun: int) -> list[Sighting]:
    """Tags nobody registered: a bandit running the 5K, spare tags carried over a mat."""
    found = []
    for tag in UNREGISTERED:
        start = first_gun + rng.randint(0, 20 * MINUTE)
        finish = start + rng.randint(18 * MINUTE, 40 * MINUTE)
        if rng.random() < 0.7:
            found += _start(rng, tag, start)
        found += _crossing(rng, rng.choice(("2.5K", "5K")), tag, (start + finish) // 2)
        found += _crossing(rng, rng.choice((FINISH, BACKUP)), tag, finish)
    return found


def mat_check_reads(locations: tuple[str, ...], first_gun: int) -> list[Sighting]:
    """An hour before the race the timer walks two test tags over every mat."""
    check = first_gun - 60 * MINUTE
    return [
        Sighting(location, tag, check + index * 2 * MINUTE + n * 3 * SECOND)
        for index, location in enumerate(locations)
        for n, tag in enumerate(TEST_TAGS)
    ]
