"""Lookups for the timer's results pages and the results CLI: the field's course and wave counts,
the sessions of an event across companies, and one tag's reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from p88.db.pool import Connection


@dataclass(frozen=True, slots=True)
class FieldCount:
    """How many of the event's participants carry a course and wave (as in the file)."""

    course: str
    wave: str
    count: int


@dataclass(frozen=True, slots=True)
class EventSession:
    """A timing session found by its event name (the CLI, across companies)."""

    id: int
    partner_id: int
    partner_slug: str
    name: str
    day: date
    status: str


@dataclass(frozen=True, slots=True)
class TagRead:
    location: str
    local_time: datetime


FIELD_COUNTS = """
SELECT course, wave, count(*) AS count FROM participants
WHERE partner_id = $1 AND event_name = $2
GROUP BY course, wave ORDER BY course, wave
"""

EVENT_SESSIONS = """
SELECT s.id, s.partner_id, p.slug, s.name, s.day, s.status
FROM timing_sessions s JOIN partners p ON p.id = s.partner_id
WHERE s.event_name = $1 AND ($2::text IS NULL OR p.slug = $2)
ORDER BY p.slug, s.day, s.id
"""

TAG_READS = """
SELECT l.name AS location, r.local_time
FROM timing_reads r JOIN timing_locations l ON l.id = r.location_id
WHERE r.partner_id = $1 AND r.session_id = $2 AND r.tag = $3
ORDER BY r.local_time, l.name
LIMIT $4
"""


async def field_counts(conn: Connection, partner_id: int, event_name: str) -> list[FieldCount]:
    rows = await conn.fetch(FIELD_COUNTS, partner_id, event_name)
    return [FieldCount(row["course"], row["wave"], row["count"]) for row in rows]


async def event_sessions(
    conn: Connection, event_name: str, partner_slug: str | None
) -> list[EventSession]:
    """Sessions of an event by name, of one company or all: for the CLI, which runs as the
    database owner and names the company itself (never in a tenant transaction)."""
    rows = await conn.fetch(EVENT_SESSIONS, event_name, partner_slug)
    return [EventSession(*tuple(row)) for row in rows]


async def tag_reads(
    conn: Connection, partner_id: int, session_id: int, tag: str, limit: int = 500
) -> list[TagRead]:
    """One tag's reads in the session, in time order (a runner's reads, to ignore one)."""
    rows = await conn.fetch(TAG_READS, partner_id, session_id, tag, limit)
    return [TagRead(row["location"], row["local_time"]) for row in rows]
