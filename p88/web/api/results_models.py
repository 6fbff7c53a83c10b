"""The shapes of the results resources (docs/RESULTS.md), for the OpenAPI document: a
session's results as the results file has them, one runner with places and splits, the
timer's corrections, and published results exactly as the public pages show them.

Elapsed times are `H:MM:SS.hh`, times of day the event's local clock `HH:MM:SS.hh`; null (or
"" in public rows, as the pages show nothing) where they do not apply.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from p88.web.api.models import Row

STATUS = "finished, running, dnf, dns or dq"


class ResultRow(Row):
    """One participant's result: the results file's fields (DNS included), the reason of a
    timer's status, the result's flags, and the furthest point the runner was seen at."""

    course: str | None
    bib: str
    name: str
    gender: str | None
    age: int | None
    age_group: str | None
    wave: str
    status: str = Field(description=STATUS)
    chip_time: str | None
    gun_time: str | None
    place_overall: int | None
    place_gender: int | None
    place_age_group: int | None
    start_time: str | None
    finish_time: str | None
    reason: str = Field(description="Why the timer set dnf, dns or dq")
    flags: list[str] = Field(description="What makes the result uncertain (docs/RESULTS.md)")
    last_point: str | None = Field(description="The furthest point of the course seen at")


class ResultsPage(Row):
    data: list[ResultRow]
    next: str | None


class PlaceOf(Row):
    place: int
    of: int = Field(description="Runners placed in this ranking so far")
    provisional: bool = Field(description="Someone still out could yet beat it")


class RunnerPlaces(Row):
    overall: PlaceOf | None
    gender: PlaceOf | None
    age_group: PlaceOf | None


class SplitRow(Row):
    """A point of the runner's course, in course order, then the finish."""

    point: str
    distance: str = Field(description='Such as "5 km"; "" when unknown')
    time_of_day: str
    elapsed: str = Field(description="Since the runner's start (chip start, else gun)")
    pace: str = Field(description='Such as "4:35 /km", when the distance is known')
    manual: bool = Field(description="Entered by the timer")


class RunnerResult(ResultRow):
    """One runner: their row, places "of N", pace and splits."""

    pace_km: str
    pace_mile: str
    places: RunnerPlaces
    splits: list[SplitRow]


class CorrectionCreate(BaseModel):
    """A correction: a manual time at a point of the runner's course (`point`, `time` of day
    on the race day), or a status (dnf, dns, dq) with its `reason`."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["manual_time", "status"]
    bib: str = Field(min_length=1, max_length=32)
    point: str | None = Field(None, max_length=200, description="manual_time: such as FINISH")
    time: str | None = Field(None, max_length=20, description="manual_time: 08:41:12.04")
    status: Literal["dnf", "dns", "dq"] | None = None
    reason: str = Field("", max_length=500, description="Needed for a status")


class Correction(Row):
    """A stored correction: who made it (a person, or "API key <name>"), what it changed."""

    id: int
    kind: str
    bib: str
    after: str = Field(description="What it sets, in words")
    before: str = Field(description="The value it changed, as it was")
    reason: str
    created_by: str
    created_at: datetime
    undone_by: str
    undone_at: datetime | None


class CorrectionsList(Row):
    data: list[Correction]
    next: None = Field(description="Always null: a session's corrections fit one answer")


class PublicResultRow(Row):
    """A runner as the public results pages show them."""

    bib: str
    name: str
    course: str
    wave: str
    gender: str
    age_group: str
    status: str = Field(description=STATUS)
    status_label: str
    overall: PlaceOf | None
    gender_place: PlaceOf | None
    age_group_place: PlaceOf | None
    chip: str = Field(description='"" when there is none: the status says why')
    gun: str
    pace_km: str
    pace_mile: str
    start: str
    finish: str
    progress: str = Field(description="Where a runner on the course was last seen")
    notes: list[str] = Field(description="Why a time is uncertain, in words")


class PublicResultsPage(Row):
    data: list[PublicResultRow]
    next: str | None


class PublicRunner(PublicResultRow):
    splits: list[SplitRow]
