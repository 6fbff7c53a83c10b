"""A passing's times and result, as the results engine (p88.results) has them: screens never
time or rank runners themselves.

- `gun_ms` counts from the runner's own wave gun (`Result.gun`), `chip_ms` from their own start
  crossing (`Result.start`, the last start read in their start window); each is null when the
  engine has no such time (no gun yet, no start read, a read before the gun).
- The passing that is the runner's finish (at their course's finish point, within the feed's
  ignore window of the finish the engine counts) carries the result itself (`result_part`):
  its times are the result's, and its places are as they stand once the engine has taken the
  batch that holds the passing. A place is "provisional" while someone in that ranking could
  still beat it (docs/RESULTS.md, [provisional]).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from p88.live.results import SessionResults
from p88.results.clock import Hundredths, hundredths
from p88.results.model import Places, Result
from p88.results.standings import RankingKey

MS = 10  # milliseconds per hundredth: events count in ms, the engine in hundredths


def ms(value: Hundredths | None) -> int | None:
    return None if value is None else value * MS


@dataclass(frozen=True, slots=True)
class EventTimes:
    gun_ms: int | None = None
    chip_ms: int | None = None
    result: dict[str, Any] | None = None  # only on the runner's finish passing
    gender: str | None = None  # as the results count them (the setup's age-group scheme)
    age_group: str | None = None


NO_TIMES = EventTimes()


@dataclass(slots=True)
class PointMap:
    """Location name -> results point, for one engine (a new setup is a new engine)."""

    engine: object = None
    of: dict[str, str] | None = None

    def point(self, results: SessionResults, location: str) -> str:
        if self.of is None or self.engine is not results.engine:
            self.engine, self.of = results.engine, results.engine.setup.point_of_location()
        return self.of.get(location, location)


def event_times(
    results: SessionResults,
    bib: str,
    location: str,
    time: datetime,
    window: Hundredths,
    points: PointMap,
) -> EventTimes:
    """The times of runner `bib` passing `location` at `time` (event-local)."""
    result = results.engine.result(bib)
    if result is None:
        return NO_TIMES
    at = hundredths(time)
    if _is_finish(results, result, points.point(results, location), at, window):
        return EventTimes(
            ms(result.gun_time),
            ms(result.chip_time) if result.start is not None else None,
            result_part(results, result),
            result.gender,
            result.age_group,
        )
    gun = result.gun
    start = result.start
    return EventTimes(
        ms(at - gun) if gun is not None and at >= gun else None,
        ms(at - start) if start is not None and at > start else None,
        None,
        result.gender,
        result.age_group,
    )


def _is_finish(
    results: SessionResults, result: Result, point: str, at: Hundredths, window: Hundredths
) -> bool:
    if result.finish is None or result.course is None:
        return False
    course = results.engine.setup.course(result.course)
    return course is not None and course.finish == point and abs(at - result.finish) <= window


def result_part(results: SessionResults, result: Result) -> dict[str, Any]:
    """`r` of a finish event: status, places ("of" counts the placed of the course), whether
    each place is still provisional, and the time the course ranks by."""
    engine = results.engine
    assert result.course is not None
    course = engine.setup.course(result.course)
    places = engine.places(result.bib)
    provisional = engine.provisional(result.bib, results.now())
    overall = engine.ranking(RankingKey(result.course, "overall", ""))
    return {
        "course": result.course,
        "status": result.status,
        "rank_by": course.ranking if course is not None else "gun",
        "ranking_ms": ms(result.ranking_time) if result.placed else None,
        "place": places_json(places),
        "provisional": {kind: provisional.get(kind, False) for kind in PLACE_KINDS},
        "of": len(overall) if overall is not None else 0,
    }


PLACE_KINDS = ("overall", "gender", "age_group")


def places_json(places: Places) -> dict[str, int | None]:
    return {"overall": places.overall, "gender": places.gender, "age_group": places.age_group}
