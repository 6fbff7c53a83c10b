"""An event's results setup, per timing session: points, courses, waves, age groups.

Plain frozen data, checked when built: a setup that cannot work raises ValueError with a
message that says what to change.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from p88.results.agegroups import AgeGroups
from p88.results.clock import SECOND, Hundredths, elapsed
from p88.results.records import world_record

RankBy = Literal["chip", "gun"]
DEFAULT_MIN_TIME: Hundredths = elapsed(timedelta(minutes=1))
DEFAULT_IGNORE_WINDOW: Hundredths = 5 * SECOND


@dataclass(frozen=True, slots=True)
class Point:
    """A timing point of a course, made of one or more of the session's locations (a main and
    a backup line, two mats side by side): a read at any of them is a read at the point."""

    name: str
    locations: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.name or not self.locations:
            raise ValueError("a point needs a name and at least one of the session's locations")


@dataclass(frozen=True, slots=True)
class Split:
    """An intermediate point of a course, with its distance from the start when known."""

    point: str
    distance_m: float | None = None


@dataclass(frozen=True, slots=True)
class Course:
    name: str
    finish: str  # a point name
    start: str | None = None
    splits: tuple[Split, ...] = ()  # in course order
    distance_m: float | None = None
    # Earlier than this after the runner's gun is no finish (a runner walking over the finish
    # mat on the way to the start); the start window also ends this long before the finish.
    min_time: Hundredths = DEFAULT_MIN_TIME
    rank_by: RankBy | None = None  # None: chip when the course has a start point, else gun
    # A finish faster than this is held for review; None: the world record for the distance.
    record: Hundredths | None = None
    # How long after their wave's gun a runner may still cross the start; None: until the
    # course is closed. Only used to say when a chip-time place is no longer provisional.
    start_closes: Hundredths | None = None

    # Derived once (the rules read them per runner): see __post_init__.
    ranking: RankBy = field(init=False, repr=False, compare=False)
    record_time: Hundredths | None = field(init=False, repr=False, compare=False)
    point_names: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_course(self)
        ranking = self.rank_by or ("chip" if self.start is not None else "gun")
        record = self.record
        if record is None and self.distance_m:
            record = elapsed(world_record(self.distance_m))
        start = () if self.start is None else (self.start,)
        names = (*start, *(split.point for split in self.splits), self.finish)
        object.__setattr__(self, "ranking", ranking)  # frozen: set once, here
        object.__setattr__(self, "record_time", record)
        object.__setattr__(self, "point_names", names)


def _check_course(course: Course) -> None:
    where = f"course {course.name!r}"
    if not course.name or not course.finish:
        raise ValueError("a course needs a name and a finish point")
    if course.rank_by not in (None, "chip", "gun"):
        raise ValueError(f"{where}: rank by 'chip' or 'gun', not {course.rank_by!r}")
    if course.rank_by == "chip" and course.start is None:
        raise ValueError(f"{where}: ranking by chip time needs a start point; choose one")
    if course.min_time < 0:
        raise ValueError(f"{where}: the minimum finish time cannot be negative")
    splits = [split.point for split in course.splits]
    if len(set(splits)) != len(splits) or {course.start, course.finish} & set(splits):
        raise ValueError(
            f"{where}: each point may appear once among its splits, and a split cannot be the "
            "start or the finish (laps are not supported)"
        )
    if course.distance_m is not None and course.distance_m <= 0:
        raise ValueError(f"{where}: the distance must be positive")


@dataclass(frozen=True, slots=True)
class Wave:
    """A group started by one gun: a manual gun time, or a hardware `guntime` line chosen by
    hand (`gun_line`, its id); with neither, the wave takes the next line in order."""

    name: str
    gun: Hundredths | None = None
    gun_line: int | None = None


@dataclass(frozen=True, slots=True)
class GunLine:
    """A hardware `guntime` line as stored: its id, time and the location that sent it."""

    id: int
    time: Hundredths
    location: str = ""


@dataclass(frozen=True, slots=True)
class BibRange:
    """Numeric bibs `first` to `last` (inclusive) run in `wave`."""

    wave: str
    first: int
    last: int

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"bib range {self.first}-{self.last} of wave {self.wave!r} is empty")


@dataclass(frozen=True, slots=True)
class Setup:
    courses: tuple[Course, ...]
    points: tuple[Point, ...] = ()  # undeclared point names stand for the location so named
    # Empty: the waves named in the participant file, in natural order ("" alone if none).
    waves: tuple[Wave, ...] = ()
    wave_ranges: tuple[BibRange, ...] = ()  # bib ranges win over the participant file's wave
    gun_location: str | None = None  # only guntime lines from this location count
    age_groups: AgeGroups = field(default_factory=AgeGroups)
    race_date: date | None = None  # for ages from a date of birth
    # "Ignore a read" ignores the runner's reads at that point this close to it (one crossing).
    ignore_window: Hundredths = DEFAULT_IGNORE_WINDOW

    def __post_init__(self) -> None:
        _check_setup(self)

    def course(self, name: str) -> Course | None:
        for course in self.courses:
            if course.name == name:
                return course
        return None

    def point_of_location(self) -> dict[str, str]:
        """Session location name -> the point it belongs to (itself when undeclared)."""
        mapping = {location: point.name for point in self.points for location in point.locations}
        for course in self.courses:
            for name in course.point_names:
                if name not in {point.name for point in self.points}:
                    mapping.setdefault(name, name)
        return mapping


def _duplicates(names: Iterable[str]) -> list[str]:
    return sorted(name for name, count in Counter(names).items() if count > 1)


def _check_setup(setup: Setup) -> None:
    if not setup.courses:
        raise ValueError("the results setup needs at least one course")
    for kind, names in (
        ("course", [c.name for c in setup.courses]),
        ("point", [p.name for p in setup.points]),
        ("wave", [w.name for w in setup.waves]),
        ("location", [loc for p in setup.points for loc in p.locations]),
    ):
        if twice := _duplicates(names):
            raise ValueError(f"{kind} {', '.join(map(repr, twice))} is listed twice: keep one")
    if setup.ignore_window < 0:
        raise ValueError("the ignore window cannot be negative")
    ranges = sorted(setup.wave_ranges, key=lambda r: r.first)
    for before, after in itertools.pairwise(ranges):
        if after.first <= before.last:
            raise ValueError(
                f"bib ranges {before.first}-{before.last} ({before.wave!r}) and "
                f"{after.first}-{after.last} ({after.wave!r}) overlap: give each bib one wave"
            )
