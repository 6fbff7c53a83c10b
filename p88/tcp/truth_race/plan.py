"""What really happens to each runner: when they cross the start line and the finish line, or
where they stop, whether the start mat saw them, and the stray crossings of mats that must not
count (warming up on the start mat, walking over the finish mat to the start, walking back over
the start mat after finishing)."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from p88.tcp.truth_race.field import RUNS_WITHOUT_WAVE, SECOND, WAVES, Entry, course_spec


class Fate(StrEnum):
    FINISHED = "finished"
    DNF = "dnf"  # started, stopped on the course
    DNS = "dns"  # never started


class Quirk(StrEnum):
    ON_MAT_BEFORE_GUN = "start mat before the gun"  # warming up, or in the corral on the mat
    FINISH_MAT_BEFORE_GUN = "finish mat before the gun"  # walking to the start
    FINISH_MAT_AFTER_GUN = "finish mat after the gun"  # late, walking to the start
    WALK_BACK = "start mat after the finish"  # walking back to the bag drop
    CUT_COURSE = "ran the 5K loop only"  # a 10K runner: faster than the record, held


@dataclass(frozen=True, slots=True)
class Runner:
    entry: Entry
    fate: Fate
    gun: int  # their wave's gun
    start: int | None  # when they crossed the start line; None: they never started
    finish: int | None  # when they crossed the finish line; None: they did not
    chip: int  # how long they take for the whole course (a DNF's pace until they stop)
    stop_m: int | None  # a DNF: how far they got
    start_read: bool  # the start mat read them leave (5 % of starters are missed)
    quirks: frozenset[Quirk]

    @property
    def course(self) -> str:
        return self.entry.course

    @property
    def placed(self) -> bool:
        """Takes a place when they finish (a course cutter is held for review instead)."""
        return Quirk.CUT_COURSE not in self.quirks

    @property
    def gun_known(self) -> bool:
        """With three waves, a runner whose file has no wave has no gun p88 can know."""
        return self.entry.wave != ""

    def ranking_time(self) -> int:
        """Chip time, the gun time when the start mat missed them (a finisher only)."""
        assert self.finish is not None and self.start is not None
        return self.finish - (self.start if self.start_read else self.gun)


def _fate(rng: random.Random) -> Fate:
    draw = rng.random()
    return Fate.DNS if draw < 0.03 else Fate.DNF if draw < 0.06 else Fate.FINISHED


def _start_offset(rng: random.Random, wave: str) -> int:
    """From the gun to crossing the line: seconds for the elite, up to 3 minutes behind."""
    if wave == WAVES[0]:
        return rng.randint(50, 15 * SECOND)
    return rng.randint(3 * SECOND, 180 * SECOND)


def _quirks(rng: random.Random, fate: Fate, wave: str, offset: int) -> frozenset[Quirk]:
    found = set()
    later_wave = wave != WAVES[0]
    if rng.random() < (0.5 if fate is Fate.DNS else 0.06 if later_wave else 0.02):
        found.add(Quirk.ON_MAT_BEFORE_GUN)
    if rng.random() < (0.3 if fate is Fate.DNS else 0.03):
        found.add(Quirk.FINISH_MAT_BEFORE_GUN)
    if fate is not Fate.DNS and offset >= 90 * SECOND and rng.random() < 0.12:
        found.add(Quirk.FINISH_MAT_AFTER_GUN)
    if fate is Fate.FINISHED and rng.random() < 0.03:
        found.add(Quirk.WALK_BACK)
    return frozenset(found)


def plan_runner(rng: random.Random, entry: Entry, gun: int, fate: Fate) -> Runner:
    course = course_spec(entry.course)
    offset = _start_offset(rng, entry.wave)
    pace = min(620.0, max(185.0, rng.gauss(330.0, 55.0)))  # seconds per km
    chip = int(pace * course.distance_m / 1000 * SECOND) + rng.randint(0, 99)
    start = None if fate is Fate.DNS else gun + offset
    finish = None if start is None or fate is not Fate.FINISHED else start + chip
    stop_m = rng.randint(300, course.distance_m - 300) if fate is Fate.DNF else None
    start_read = fate is not Fate.DNS and rng.random() >= 0.05
    quirks = _quirks(rng, fate, entry.wave, offset)
    return Runner(entry, fate, gun, start, finish, chip, stop_m, start_read, quirks)


def plan_runners(
    rng: random.Random, entries: Sequence[Entry], guns: dict[str, int]
) -> list[Runner]:
    runners = []
    for entry in entries:
        if entry.wave:
            runners.append(plan_runner(rng, entry, guns[entry.wave], _fate(rng)))
        else:  # with no gun, reads before it cannot be told apart: a plain run
            plain = plan_runner(rng, entry, guns[RUNS_WITHOUT_WAVE], Fate.FINISHED)
            runners.append(replace(plain, start_read=True, quirks=frozenset()))
    _special_cases(rng, runners)
    _ties(rng, runners)
    return runners


def _pick(rng: random.Random, runners: list[Runner], wanted: Callable[[Runner], bool]) -> int:
    candidates = [index for index, runner in enumerate(runners) if wanted(runner)]
    return rng.choice(candidates) if candidates else -1


def _plain(runner: Runner) -> bool:
    return runner.fate is Fate.FINISHED and not runner.quirks and runner.entry.wave != ""


def _special_cases(rng: random.Random, runners: list[Runner]) -> None:
    """Cases too rare to leave to chance in 2,000 runners."""
    # 10K runners who turn back at the 2.5K mat and run the 5K: a 10K faster than the world
    # record, held for review and not placed [record]. Faster than the 10K's minimum time
    # (20 minutes) it would be no finish at all, so 21 to 25 minutes.
    for _ in range(2):
        index = _pick(rng, runners, lambda r: _plain(r) and r.course == "10K" and r.start_read)
        if index >= 0:
            r = runners[index]
            assert r.start is not None
            chip = rng.randint(21 * 60 * SECOND, 25 * 60 * SECOND)
            runners[index] = replace(r, finish=r.start + chip, chip=chip,
                                     quirks=frozenset({Quirk.CUT_COURSE}))  # fmt: skip
    # Never started, but walked over the finish mat after their gun (too early to be a
    # finish): a read after the gun at a point of their course, so "running" by the rules.
    for _ in range(2):
        index = _pick(rng, runners, _plain)
        if index >= 0:
            r = runners[index]
            quirks = frozenset({Quirk.FINISH_MAT_AFTER_GUN})
            runners[index] = replace(r, fate=Fate.DNS, start=None, finish=None,
                                     start_read=False, quirks=quirks)  # fmt: skip
    # A 10K runner the start mat missed who stopped between 2.5 km and 5 km: read only at
    # the 2.5K mat, which is not a point of the 10K, so never seen on their course ("dns").
    index = _pick(rng, runners, lambda r: _plain(r) and r.course == "10K")
    if index >= 0:
        r = runners[index]
        runners[index] = replace(r, fate=Fate.DNF, finish=None, stop_m=rng.randint(2600, 4900),
                                 start_read=False, quirks=frozenset())  # fmt: skip


def _tie(runners: list[Runner], leader: int, follower: int) -> None:
    """The follower's ranking time becomes the leader's, to the hundredth."""
    a, b = runners[leader], runners[follower]
    assert b.start is not None
    base = b.start if b.start_read else b.gun
    finish = base + a.ranking_time()
    runners[follower] = replace(b, finish=finish, chip=finish - b.start)


def _ties(rng: random.Random, runners: list[Runner]) -> None:
    """Runners with the same time to the hundredth: pairs in a course, pairs that also share
    gender and birth year (likely one age group), a three-way tie, and a tie with someone the
    start mat missed (their chip time is their gun time)."""
    finished = [i for i, r in enumerate(runners) if r.fate is Fate.FINISHED and r.placed]
    by_course: defaultdict[str, list[int]] = defaultdict(list)
    by_group: defaultdict[tuple[str, str, int], list[int]] = defaultdict(list)
    for i in finished:
        entry = runners[i].entry
        by_course[entry.course].append(i)
        if entry.gender and entry.birth_date is not None:
            by_group[(entry.course, entry.gender, entry.birth_date.year)].append(i)
    used: set[int] = set()

    def tie(group: Sequence[int], size: int) -> None:
        free = [i for i in group if i not in used]
        if len(free) >= size:
            chosen = rng.sample(free, size)
            used.update(chosen)
            for follower in chosen[1:]:
                _tie(runners, chosen[0], follower)

    for course in sorted(by_course):
        for _ in range(4):
            tie(by_course[course], 2)
        tie(by_course[course], 3)
        unread = [i for i in by_course[course] if not runners[i].start_read and i not in used]
        others = [i for i in by_course[course] if runners[i].start_read and i not in used]
        if unread and others:
            follower, leader = rng.choice(unread), rng.choice(others)
            used.update((follower, leader))
            _tie(runners, leader, follower)
    groups = sorted(key for key, group in by_group.items() if len(group) >= 2)
    for key in rng.sample(groups, min(6, len(groups))):
        tie(by_group[key], 2)
