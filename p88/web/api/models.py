"""The shapes of the data API's answers and bodies, as pydantic models: the OpenAPI document
is generated from them (quart-schema), and the contract test checks every answer against it.

Rows are written by PostgreSQL (p88.db.api_query): instants in UTC as
`2026-05-08T09:00:00.000000Z`, event-local times as the hardware read them
(`2026-05-08T09:00:00.25`, no zone), days as `2026-05-08`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

LOCAL_TIME = "Event-local wall-clock time as the hardware read it, hundredths, no zone"


class Row(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Event(Row):
    """An event: the name a company's timing sessions and participants share."""

    name: str
    first_day: date | None = Field(description="Day of its first timing session")
    last_day: date | None
    sessions: int
    live: bool = Field(description="A session of it is receiving reads")
    participants: int


class Session(Row):
    """A timing session: what the hardware streamed under one event name on one day."""

    id: int
    event: str
    day: date
    name: str
    status: str = Field(description="live or ended")
    timezone: str
    created_at: datetime
    last_read_at: datetime | None
    points: int


class Middleware(Row):
    peer: str
    client: str = Field(description="Program and version, such as SimpleClient 0.6.0")
    connection_id: str
    connected_seconds: float
    last_sequence: int | None
    last_read_age_seconds: float | None


class PointAlert(Row):
    reason: str = Field(description="silent (connected, no reads) or disconnected")
    quiet_seconds: float


class Point(Row):
    """A timing point of a session, with its health."""

    id: int
    name: str
    reads: int
    last_read_at: datetime | None
    connected: bool = Field(description="Middleware is connected and streaming this point")
    middleware: list[Middleware]
    alert: PointAlert | None


class Read(Row):
    """One stored tag read. `id` increases with every read p88 stores: mirror with since."""

    id: int
    session_id: int
    event: str
    point: str
    tag: str
    time: str = Field(description=LOCAL_TIME)
    lap: int
    reader_id: str
    gator: int
    sequence: int = Field(description="The middleware's sequence number of this read")
    received_at: datetime


class Display(Row):
    """A display: a screen's link, bound to a session and points. The link itself is shown
    only when it is made or rotated."""

    id: int
    name: str
    session_id: int
    event: str
    points: list[str] = Field(description="Points it shows; empty: all")
    mode: str
    state: str = Field(description="live, revoked or expired")
    expires_at: datetime | None
    created_at: datetime
    rotated_at: datetime | None
    template: str | None


class RotatedDisplay(Row):
    id: int
    url: str = Field(description="The display's new link; the old one stops working now")
    token: str
    rotated_at: datetime


class EventsPage(Row):
    data: list[Event]
    next: str | None = Field(description="The next page's address; null on the last page")


class SessionsPage(Row):
    data: list[Session]
    next: str | None


class PointsList(Row):
    data: list[Point]
    next: None = Field(description="Always null: a session's points fit one answer")


class ReadsPage(Row):
    data: list[Read]
    next: str | None


class DisplaysPage(Row):
    data: list[Display]
    next: str | None


class Participant(Row):
    """A runner of an event. `tag` is what the hardware reads (by default the bib)."""

    id: int
    event: str
    bib: str
    tag: str
    first_name: str
    last_name: str
    gender: str | None = Field(description="M, F, X or null")
    age: int | None
    age_group: str
    date_of_birth: date | None
    division: str
    course: str
    city: str
    state: str
    country: str
    team: str
    wave: str
    vip: bool
    message: str
    pronunciation: str
    updated_at: datetime


class ParticipantsPage(Row):
    data: list[Participant]
    next: str | None


FIELDS_TEXT = (
    "Fields as in the CSV import: bib (required), tag, first_name, last_name, full_name, "
    "gender, date_of_birth (YYYY-MM-DD), age, age_group, division, course, city, state, "
    "country, team, wave, vip, message, pronunciation; checked by the same rules"
)


class ParticipantCreate(BaseModel):
    """A new participant: the event and the fields of one CSV import row."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"description": FIELDS_TEXT})

    event: str = Field(min_length=1, max_length=200)
    bib: str = Field(min_length=1, max_length=32)


class ParticipantChange(BaseModel):
    """Fields to change (the others keep their value); the event cannot change."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"description": FIELDS_TEXT})


class ParticipantsUpsert(Row):
    """Participants to store by bib: a new bib is added, a known one replaced."""

    event: str = Field(min_length=1, max_length=200)
    rows: list[dict[str, Any]] = Field(min_length=1, max_length=10_000, description=FIELDS_TEXT)


class RejectedRow(Row):
    row: int = Field(description="Index of the row in the request's rows, from 0")
    bib: str
    reason: str


class UpsertReport(Row):
    """What was stored; every row not stored is listed with the reason."""

    inserted: int
    updated: int
    rejected: list[RejectedRow]
    rejected_count: int = Field(description="All rows not stored (the list stops at 1,000)")
    warnings: list[str]


class ProblemItem(Row):
    parameter: str | None = None
    pointer: str | None = Field(default=None, description="JSON pointer into the body")
    detail: str


class Problem(BaseModel):
    """An error (RFC 9457). `type` links to the section of /api explaining it."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    errors: list[ProblemItem] | None = None
