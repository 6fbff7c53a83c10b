"""One runner's result as the public pages show it: places "of N" (and whether they may still
change), chip and gun time, pace, the status in words (never a blank time), notes that say
when a time is uncertain, and the splits."""

from __future__ import annotations

from dataclasses import dataclass

from p88.results.clock import (
    METRES_PER_MILE,
    Hundredths,
    format_elapsed,
    format_pace,
    format_time_of_day,
    pace,
)
from p88.results.engine import Engine
from p88.results.model import (
    HELD_FASTER_THAN_RECORD,
    NO_COURSE,
    NO_GUN,
    NO_START_READ,
    SPLIT_AFTER_FINISH,
    SPLIT_BEFORE_START,
    SPLIT_OUT_OF_ORDER,
    Result,
)
from p88.results.standings import RankingKey, RankingKind

STATUS_LABELS = {
    "finished": "Finished",
    "running": "On course",
    "dnf": "DNF",
    "dq": "DQ",
    "dns": "DNS",
}
STATUS_WORDS = {
    "finished": "finished",
    "running": "on the course",
    "dnf": "did not finish",
    "dq": "disqualified",
    "dns": "did not start",
}
GENDER_LABELS = {"F": "Women", "M": "Men", "X": "Non-binary"}
# Flags that make a shown time uncertain, said in words (the timer sees them as problems).
NOTES = {
    HELD_FASTER_THAN_RECORD: "Time under review by the timer: not placed yet",
    NO_START_READ: "No start mat read: chip time is the gun time",
    NO_GUN: "Gun time not known yet",
    NO_COURSE: "Course not known yet: not timed",
    SPLIT_AFTER_FINISH: "Split times under review",
    SPLIT_BEFORE_START: "Split times under review",
    SPLIT_OUT_OF_ORDER: "Split times under review",
}


@dataclass(frozen=True, slots=True)
class PlaceView:
    place: int
    of: int
    provisional: bool


@dataclass(frozen=True, slots=True)
class SplitView:
    point: str
    distance: str  # "5 km", "" when unknown
    time_of_day: str
    elapsed: str
    pace: str
    manual: bool


@dataclass(frozen=True, slots=True)
class RowView:
    bib: str
    name: str
    course: str
    wave: str
    gender: str
    age_group: str
    status: str
    status_label: str
    overall: PlaceView | None
    gender_place: PlaceView | None
    age_group_place: PlaceView | None
    chip: str  # "" when there is none: the status is shown instead
    gun: str
    pace_km: str
    pace_mile: str
    start: str  # time of day
    finish: str
    progress: str  # where a runner on the course was last seen
    notes: tuple[str, ...]


def _time(value: Hundredths | None) -> str:
    return "" if value is None else format_elapsed(value)


def _clock(value: Hundredths | None) -> str:
    return "" if value is None else format_time_of_day(value)


def _distance(engine: Engine, result: Result) -> float | None:
    course = engine.setup.course(result.course) if result.course else None
    return course.distance_m if course is not None else None


def _paces(time: Hundredths | None, metres: float | None) -> tuple[str, str]:
    if time is None or not metres or time <= 0:
        return "", ""
    return (
        format_pace(pace(time, metres, 1000)) + " /km",
        format_pace(pace(time, metres, METRES_PER_MILE)) + " /mi",
    )


def _places(engine: Engine, result: Result, now: Hundredths) -> dict[RankingKind, PlaceView]:
    places = engine.places(result.bib)
    provisional = engine.provisional(result.bib, now)
    found: dict[RankingKind, PlaceView] = {}
    course = result.course or ""
    wanted: tuple[tuple[RankingKind, str, int | None], ...] = (
        ("overall", "", places.overall),
        ("gender", result.gender or "", places.gender),
        ("age_group", result.age_group or "", places.age_group),
    )
    for kind, value, place in wanted:
        ranking = engine.ranking(RankingKey(course, kind, value))
        if place is not None and ranking is not None:
            found[kind] = PlaceView(place, len(ranking), provisional.get(kind, True))
    return found


def _progress(result: Result) -> str:
    if result.status != "running":
        return ""
    seen = [split for split in result.splits if split.elapsed is not None]
    if seen:
        last = seen[-1]
        return f"last seen at {last.point}, {format_elapsed(last.elapsed or 0)}"
    if result.start is not None:
        return f"started at {format_time_of_day(result.start)}"
    return ""


def row_view(engine: Engine, bib: str, now: Hundredths) -> RowView | None:
    """The row of `bib`, or None when it is no longer in the field."""
    if engine.result(bib) is None:
        return None
    row = engine.row(bib)
    result = row.result
    places = _places(engine, result, now)
    pace_km, pace_mile = _paces(result.chip_time, _distance(engine, result))
    notes = tuple(dict.fromkeys(NOTES[flag] for flag in result.flags if flag in NOTES))
    return RowView(
        bib=bib,
        name=row.entrant.name,
        course=result.course or "",
        wave=result.wave,
        gender=result.gender or "",
        age_group=result.age_group or "",
        status=result.status,
        status_label=STATUS_LABELS[result.status],
        overall=places.get("overall"),
        gender_place=places.get("gender"),
        age_group_place=places.get("age_group"),
        chip=_time(result.chip_time),
        gun=_time(result.gun_time),
        pace_km=pace_km,
        pace_mile=pace_mile,
        start=_clock(result.start),
        finish=_clock(result.finish),
        progress=_progress(result),
        notes=notes,
    )


def split_views(engine: Engine, bib: str) -> list[SplitView]:
    """The runner's intermediate points in course order, then the finish."""
    result = engine.result(bib)
    course = engine.setup.course(result.course) if result and result.course else None
    if result is None or course is None:
        return []
    metres = {split.point: split.distance_m for split in course.splits}
    views = []
    for split in result.splits:
        distance = metres.get(split.point)
        views.append(
            SplitView(
                split.point,
                _km(distance),
                _clock(split.time),
                _time(split.elapsed),
                _paces(split.elapsed, distance)[0],
                split.manual,
            )
        )
    views.append(
        SplitView(
            "Finish",
            _km(course.distance_m),
            _clock(result.finish),
            _time(result.chip_time if result.finish is not None else None),
            _paces(result.chip_time, course.distance_m)[0] if result.finish is not None else "",
            result.manual_finish,
        )
    )
    return views


def _km(metres: float | None) -> str:
    if not metres:
        return ""
    return f"{metres / 1000:.3f}".rstrip("0").rstrip(".") + " km"
