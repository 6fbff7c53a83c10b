"""A session's results as the data API writes them: a runner's row (the results file's fields
and a little more), one runner whole (places "of N", pace, splits), and, for published results,
exactly what the public pages show (p88.web.published.rows)."""

from __future__ import annotations

from typing import Any

from p88.results.engine import Engine
from p88.results.export import HEADER, row_values
from p88.results.model import Result, Row
from p88.web.published.rows import PlaceView, RowView, SplitView, row_view, split_views

RESULT_COLUMNS = (*HEADER, "reason", "flags", "last_point")
PUBLIC_COLUMNS = (
    "bib", "name", "course", "wave", "gender", "age_group", "status", "status_label",
    "overall", "gender_place", "age_group_place", "chip", "gun", "pace_km", "pace_mile",
    "start", "finish", "progress", "notes",
)  # fmt: skip
PLACES = ("overall", "gender_place", "age_group_place")


def last_point(engine: Engine, result: Result) -> str | None:
    """The furthest point of the runner's course they were seen at (None: never seen)."""
    course = engine.setup.course(result.course) if result.course else None
    if course is None:
        return None
    if result.finish is not None:
        return course.finish
    seen = [split.point for split in result.splits if split.time is not None]
    if seen:
        return seen[-1]
    return course.start if result.start is not None else None


def result_row(engine: Engine, row: Row) -> dict[str, Any]:
    r = row.result
    values: dict[str, Any] = row_values(row, engine.setup.race_date)
    values.update(reason=r.reason, flags=list(r.flags), last_point=last_point(engine, r))
    return values


def place_of(view: PlaceView | None) -> dict[str, Any] | None:
    if view is None:
        return None
    return {"place": view.place, "of": view.of, "provisional": view.provisional}


def split_of(view: SplitView) -> dict[str, Any]:
    return {
        "point": view.point,
        "distance": view.distance,
        "time_of_day": view.time_of_day,
        "elapsed": view.elapsed,
        "pace": view.pace,
        "manual": view.manual,
    }


def runner_result(engine: Engine, bib: str, now: int) -> dict[str, Any] | None:
    """One runner of the field whole (None: no such bib in the results)."""
    view = row_view(engine, bib, now)
    if view is None:
        return None
    found = result_row(engine, engine.row(bib))
    found.update(
        pace_km=view.pace_km,
        pace_mile=view.pace_mile,
        places={
            "overall": place_of(view.overall),
            "gender": place_of(view.gender_place),
            "age_group": place_of(view.age_group_place),
        },
        splits=[split_of(split) for split in split_views(engine, bib)],
    )
    return found


def public_of(view: RowView) -> dict[str, Any]:
    found = {name: getattr(view, name) for name in PUBLIC_COLUMNS}
    for name in PLACES:
        found[name] = place_of(found[name])
    found["notes"] = list(view.notes)
    return found


def public_runner(engine: Engine, bib: str, now: int) -> dict[str, Any] | None:
    view = row_view(engine, bib, now)
    if view is None:
        return None
    return {**public_of(view), "splits": [split_of(s) for s in split_views(engine, bib)]}


def flat_public(row: dict[str, Any]) -> dict[str, Any]:
    """A public row as one CSV line: each place as its number, "*" after a provisional one."""
    flat = dict(row)
    for name in PLACES:
        place = row[name]
        flat[name] = (
            None if place is None else f"{place['place']}{'*' if place['provisional'] else ''}"
        )
    return flat
