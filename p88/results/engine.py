"""Reads + participants + gun times -> per runner: start, finish, gun and chip time, splits,
places and flags. Pure: the caller loads the data and stores or shows the outcome.

The rules are the ones leading timing systems follow (see DOMAIN.md): the start is the LAST
read at the start mat (runners linger behind the line), a finish or split is the FIRST read
after the minimum plausible time, a read before the runner's wave gun is never a finish,
implausible results are flagged instead of silently used, and unknown tags are listed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from p88.results.model import (
    FLAG_FASTER_THAN_WORLD_RECORD,
    FLAG_SPLIT_AFTER_FINISH,
    Course,
    Read,
    Result,
    Results,
    Runner,
)
from p88.results.passings import group_reads
from p88.results.records import world_record
from p88.results.start import start_crossing

HUNDREDTH = timedelta(milliseconds=10)
DEFAULT_WAVE = ""


def gun_for(runner: Runner, guns: Mapping[str, datetime]) -> datetime | None:
    """The runner's wave gun, else the gun that started everyone (wave '')."""
    return guns.get(runner.wave) or guns.get(DEFAULT_WAVE)


def _start_read(
    reads: Sequence[Read], finishes: Sequence[Read], gun: datetime | None, course: Course
) -> datetime | None:
    """The last start-mat read before the runner could have started the run that ends at their
    first plausible finish: a runner at the back of a mass start crosses minutes after the gun,
    and one walking back over the start mat after finishing has not started again. A start
    never precedes the gun."""
    earliest_finish = gun + course.min_finish if gun is not None else None
    finish = _first_after(finishes, earliest_finish)
    before = finish - course.min_finish if finish is not None else None
    return start_crossing([r.time for r in reads], gun, before)


def _first_after(reads: Sequence[Read], earliest: datetime | None) -> datetime | None:
    for read in reads:
        if earliest is None or read.time >= earliest:
            return read.time
    return None


def _runner_result(
    runner: Runner,
    grouped: Mapping[tuple[str, str], list[Read]],
    guns: Mapping[str, datetime],
    course: Course,
) -> Result:
    gun = gun_for(runner, guns)
    start = None
    if course.start is not None:
        start = _start_read(
            grouped.get((runner.tag, course.start), []),
            grouped.get((runner.tag, course.finish), []),
            gun,
            course,
        )
    origin = start or gun  # what chip-style elapsed times count from
    earliest_finish = None
    if origin is not None:
        earliest_finish = origin + course.min_finish
        if gun is not None:
            earliest_finish = max(earliest_finish, gun + course.min_finish)
    finish = _first_after(grouped.get((runner.tag, course.finish), []), earliest_finish)
    splits: dict[str, timedelta] = {}
    if origin is not None:
        for point in course.splits:
            seen = _first_after(grouped.get((runner.tag, point), []), origin + HUNDREDTH)
            if seen is not None:
                splits[point] = seen - origin
    gun_time = finish - gun if finish is not None and gun is not None else None
    chip_time = finish - origin if finish is not None and origin is not None else None
    flags: list[str] = []
    elapsed = chip_time or gun_time
    if elapsed is not None and course.distance_m and elapsed < world_record(course.distance_m):
        flags.append(FLAG_FASTER_THAN_WORLD_RECORD)
    if chip_time is not None and any(t > chip_time for t in splits.values()):
        flags.append(FLAG_SPLIT_AFTER_FINISH)
    return Result(
        bib=runner.bib,
        tag=runner.tag,
        start=start,
        finish=finish,
        gun_time=gun_time,
        chip_time=chip_time,
        splits=splits,
        flags=tuple(flags),
    )


def to_hundredths(elapsed: timedelta) -> int:
    """Whole hundredths, truncated (how results are published and how ties are decided)."""
    return elapsed // HUNDREDTH


def rank(times: Sequence[tuple[str, int]]) -> dict[str, int]:
    """Competition ranking ("1, 2, 2, 4") of (key, hundredths): equal times share a place."""
    ordered = sorted(times, key=lambda item: item[1])
    places: dict[str, int] = {}
    previous: int | None = None
    place = 0
    for position, (key, value) in enumerate(ordered, start=1):
        if value != previous:
            place, previous = position, value
        places[key] = place
    return places


def _ranking_time(result: Result, rank_by: str) -> timedelta | None:
    if rank_by == "chip":
        return result.chip_time or result.gun_time
    return result.gun_time or result.chip_time


def assign_places(
    rows: Iterable[Result], runners: Mapping[str, Runner], rank_by: str = "gun"
) -> list[Result]:
    """Places overall, by gender and by age group, for finishers without flags (a flagged
    result waits for a person's review instead of taking someone's place)."""
    rows = list(rows)
    timed: dict[str, int] = {}
    for row in rows:
        elapsed = _ranking_time(row, rank_by)
        if elapsed is not None and not row.flags:
            timed[row.bib] = to_hundredths(elapsed)

    def ranked_by(group: Callable[[Runner], str | None]) -> dict[str, int]:
        groups: dict[str, list[tuple[str, int]]] = {}
        for bib, value in timed.items():
            key = group(runners[bib])
            if key:
                groups.setdefault(key, []).append((bib, value))
        places: dict[str, int] = {}
        for members in groups.values():
            places.update(rank(members))
        return places

    overall = rank(list(timed.items()))
    by_gender = ranked_by(lambda r: r.gender)
    by_age_group = ranked_by(lambda r: r.age_group)
    placed = [
        dataclasses.replace(
            row,
            place=overall.get(row.bib),
            gender_place=by_gender.get(row.bib),
            age_group_place=by_age_group.get(row.bib),
        )
        for row in rows
    ]
    placed.sort(
        key=lambda r: (
            r.place is None,
            r.place or 0,
            r.finish is None,
            r.finish or datetime.min,
            r.bib,
        )
    )
    return placed


def compute_results(
    reads: Iterable[Read],
    runners: Iterable[Runner],
    guns: Mapping[str, datetime],
    course: Course,
) -> Results:
    """Everything at once. Runners are keyed by bib; reads join them by tag."""
    by_bib = {runner.bib: runner for runner in runners}
    tags = {runner.tag for runner in by_bib.values()}
    grouped = group_reads(reads)
    unknown = sorted({tag for tag, _ in grouped if tag not in tags})
    rows = [_runner_result(runner, grouped, guns, course) for runner in by_bib.values()]
    return Results(assign_places(rows, by_bib, course.rank_by), unknown)
