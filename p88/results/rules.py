"""The rules: one runner's reads, gun, course and corrections -> their result.

Pure and per runner: the full recompute and the incremental engine both call `runner_result`,
so there is one place where the rules live (docs/RESULTS.md explains each one).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from p88.results.clock import METRES_PER_MILE, Hundredths, pace
from p88.results.corrections import SetStatus
from p88.results.model import (
    COURSE_CLOSED,
    HELD_FASTER_THAN_RECORD,
    NO_COURSE,
    NO_GUN,
    NO_START_READ,
    SPLIT_AFTER_FINISH,
    SPLIT_BEFORE_START,
    SPLIT_OUT_OF_ORDER,
    Entrant,
    Result,
    SplitTime,
    Status,
)
from p88.results.setup import Course

Times = Sequence[Hundredths]  # one runner's reads at one point: ascending, distinct
NO_TIMES: Times = ()


@dataclass(frozen=True, slots=True)
class Runner:
    """An entrant resolved against the setup and the corrections."""

    entrant: Entrant
    course: Course | None
    wave: str
    gun: Hundredths | None
    gender: str | None
    age_group: str | None


@dataclass(frozen=True, slots=True)
class Judgement:
    """What the timer decided about this runner (from p88.results.corrections)."""

    manual: Mapping[str, Hundredths]  # point -> time
    status: SetStatus | None = None
    confirmed: bool = False
    closed: bool = False  # the runner's course is closed


NO_JUDGEMENT = Judgement({})


def _counted(times: Times, gun: Hundredths | None) -> Times:
    """Reads before the runner's gun never count."""
    if gun is None or not times or times[0] >= gun:
        return times
    return times[bisect_left(times, gun) :]


def _first_at_or_after(times: Times, bound: Hundredths | None) -> Hundredths | None:
    index = 0 if bound is None else bisect_left(times, bound)
    return times[index] if index < len(times) else None


def _first_after(times: Times, bound: Hundredths | None) -> Hundredths | None:
    index = 0 if bound is None else bisect_right(times, bound)
    return times[index] if index < len(times) else None


def _last_at_or_before(times: Times, bound: Hundredths | None) -> Hundredths | None:
    index = len(times) if bound is None else bisect_right(times, bound)
    return times[index - 1] if index else None


def finish_of(course: Course, gun: Hundredths | None, finish: Times, start: Times) -> int | None:
    """The FIRST finish read at least the minimum time after the gun. Without a gun the
    earliest the runner can have started is their first start read; with neither, any."""
    if gun is not None:
        bound: Hundredths | None = gun + course.min_time
    elif start:
        bound = start[0] + course.min_time
    else:
        bound = None
    return _first_at_or_after(finish, bound)


def start_of(course: Course, start: Times, finish: Hundredths | None) -> Hundredths | None:
    """The LAST start read in the start window (the gun, already applied to `start`, to the
    finish less the minimum time): runners linger behind the line, and one walking back over
    the start mat after finishing has not started again."""
    bound = None if finish is None else finish - course.min_time
    return _last_at_or_before(start, bound)


def _splits(
    course: Course,
    reads: Mapping[str, Times],
    origin: Hundredths | None,
    start: Hundredths | None,
    manual: Mapping[str, int],
) -> tuple[SplitTime, ...]:
    """The first read after the start at each intermediate point, in course order."""
    found = []
    for split in course.splits:
        at = reads.get(split.point, NO_TIMES)
        manual_time = manual.get(split.point)
        time = _first_after(at, origin) if manual_time is None else manual_time
        lapse = None if time is None or origin is None else time - origin
        early = start is not None and bool(at) and at[0] < start
        found.append(SplitTime(split.point, time, lapse, manual_time is not None, early))
    return tuple(found)


def _split_flags(splits: Sequence[SplitTime], finish: Hundredths | None) -> set[str]:
    """Clock skew between points shows as a read at a split between the gun and the runner's
    own start, a split after the finish, or splits whose times run backwards."""
    flags = set()
    previous = None
    for split in splits:
        if split.read_before_start:
            flags.add(SPLIT_BEFORE_START)
        if split.time is None:
            continue
        if finish is not None and split.time > finish:
            flags.add(SPLIT_AFTER_FINISH)
        if previous is not None and split.time < previous:
            flags.add(SPLIT_OUT_OF_ORDER)
        previous = split.time
    return flags


def _status(judgement: Judgement, finish: Hundredths | None, seen: bool) -> tuple[Status, str]:
    if judgement.status is not None:
        return judgement.status.status, judgement.status.reason
    if finish is not None:
        return "finished", ""
    if judgement.closed:
        return ("dnf" if seen else "dns"), COURSE_CLOSED
    return ("running" if seen else "dns"), ""


def _unplaced(runner: Runner, status: Status, flags: set[str]) -> Result:
    return Result(
        bib=runner.entrant.bib,
        course=None,
        wave=runner.wave,
        gender=runner.gender,
        age_group=runner.age_group,
        status=status,
        gun=runner.gun,
        start=None,
        finish=None,
        gun_time=None,
        chip_time=None,
        ranking_time=None,
        flags=tuple(sorted(flags)),
    )


def runner_result(
    runner: Runner, reads: Mapping[str, Times], judgement: Judgement = NO_JUDGEMENT
) -> Result:
    """The runner's result from their reads per point (ascending, distinct, ignored reads
    already left out) and the timer's corrections."""
    course, gun, manual = runner.course, runner.gun, judgement.manual
    if course is None:
        status, _ = _status(judgement, None, False)
        return _unplaced(runner, status, {NO_COURSE})
    counted = {point: _counted(reads.get(point, NO_TIMES), gun) for point in course.point_names}
    start_reads = NO_TIMES if course.start is None else counted[course.start]
    finish = manual.get(course.finish)
    if finish is None:
        finish = finish_of(course, gun, counted[course.finish], start_reads)
    start = None if course.start is None else manual.get(course.start)
    if start is None and course.start is not None:
        start = start_of(course, start_reads, finish)
    origin = gun if start is None else start
    splits = _splits(course, counted, origin, start, manual)
    flags = _split_flags(splits, finish)
    seen = any(counted.values()) or any(point in manual for point in course.point_names)
    status, reason = _status(judgement, finish, seen)
    if status in ("dnf", "dns"):
        finish = None  # a timer's DNF or DNS: no finish, whatever the mat saw
    gun_time = None if finish is None or gun is None else finish - gun
    chip_time = gun_time
    if finish is not None and start is not None:
        chip_time = finish - start
    elif finish is not None and course.start is not None:
        flags.add(NO_START_READ)
    if gun is None:
        flags.add(NO_GUN)
    record = course.record_time
    if chip_time is not None and record is not None and chip_time < record:
        if not judgement.confirmed:
            flags.add(HELD_FASTER_THAN_RECORD)
    ranking_time = chip_time if course.ranking == "chip" else gun_time
    return Result(
        bib=runner.entrant.bib,
        course=course.name,
        wave=runner.wave,
        gender=runner.gender,
        age_group=runner.age_group,
        status=status,
        gun=gun,
        start=start,
        finish=finish,
        gun_time=gun_time,
        chip_time=chip_time,
        ranking_time=None if finish is None else ranking_time,
        splits=splits,
        flags=tuple(sorted(flags)),
        reason=reason,
        manual_start=course.start is not None and course.start in manual,
        manual_finish=course.finish in manual,
    )


@dataclass(frozen=True, slots=True)
class Pace:
    per_km: Hundredths
    per_mile: Hundredths


def _pace(time: Hundredths | None, distance_m: float | None) -> Pace | None:
    if time is None or not distance_m or distance_m <= 0:
        return None
    return Pace(pace(time, distance_m, 1000.0), pace(time, distance_m, METRES_PER_MILE))


def finish_pace(result: Result, course: Course) -> Pace | None:
    """The runner's chip time over the course distance (None without either)."""
    return _pace(result.chip_time, course.distance_m)


def split_paces(result: Result, course: Course) -> dict[str, Pace]:
    """Each split's elapsed time over its distance, where both are known."""
    distances = {split.point: split.distance_m for split in course.splits}
    paces = {}
    for split in result.splits:
        found = _pace(split.elapsed, distances.get(split.point))
        if found is not None:
            paces[split.point] = found
    return paces
