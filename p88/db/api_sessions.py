"""The data API's events, timing sessions and timing points, as listings (p88.db.api_query).

Base queries: $1 the key's partner, $2 the event the key is limited to (NULL: every event).
Run inside `tenant_transaction`; each filters by partner itself too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from p88.db.api_query import BOOL, DATE, INT, TEXT, TIME, Column, Listing
from p88.db.pool import Connection
from p88.db.sessions import POINTS

# An event is a name the company's sessions or participants carry (participants may be
# imported before the first read arrives).
EVENTS = Listing(
    "events",
    """
    SELECT e.name, min(s.day) AS first_day, max(s.day) AS last_day, count(s.id) AS sessions,
           coalesce(bool_or(s.status = 'live'), false) AS live,
           (SELECT count(*) FROM participants p
             WHERE p.partner_id = $1 AND p.event_name = e.name) AS participants
    FROM (SELECT event_name AS name FROM timing_sessions
           WHERE partner_id = $1 AND ($2::text IS NULL OR event_name = $2)
          UNION
          SELECT event_name FROM participants
           WHERE partner_id = $1 AND ($2::text IS NULL OR event_name = $2)) e
    LEFT JOIN timing_sessions s ON s.partner_id = $1 AND s.event_name = e.name
    GROUP BY e.name
    """,
    (
        Column("name", TEXT),
        Column("first_day", DATE),
        Column("last_day", DATE),
        Column("sessions", INT),
        Column("live", BOOL),
        Column("participants", INT),
    ),
    key="name",
    filterable=frozenset({"name", "first_day", "last_day", "live"}),
)

SESSIONS = Listing(
    "sessions",
    """
    SELECT s.id, s.event_name AS event, s.day, s.name, s.status, s.timezone, s.created_at,
           s.last_read_at,
           (SELECT count(*) FROM timing_locations l
             WHERE l.session_id = s.id AND l.partner_id = s.partner_id) AS points
    FROM timing_sessions s
    WHERE s.partner_id = $1 AND ($2::text IS NULL OR s.event_name = $2)
    """,
    (
        Column("id", INT),
        Column("event", TEXT),
        Column("day", DATE),
        Column("name", TEXT),
        Column("status", TEXT),
        Column("timezone", TEXT),
        Column("created_at", TIME),
        Column("last_read_at", TIME),
        Column("points", INT),
    ),
    key="id",
    filterable=frozenset({"id", "event", "day", "name", "status", "last_read_at"}),
)


@dataclass(frozen=True, slots=True)
class SessionPoints:
    """A session of the key's, its company's slug (the collector's connections carry it), and
    its points with their reads (p88.db.sessions.POINTS)."""

    session_id: int
    event_name: str
    live: bool
    partner_slug: str
    points: list[tuple[int, str, int, datetime | None]]  # id, name, reads, last read at


SESSION_OF_KEY = """
SELECT s.id, s.event_name, s.status = 'live' AS live, p.slug
FROM timing_sessions s JOIN partners p ON p.id = s.partner_id
WHERE s.id = $3 AND s.partner_id = $1 AND ($2::text IS NULL OR s.event_name = $2)
"""


async def session_points(
    conn: Connection, partner_id: int, event_name: str | None, session_id: int
) -> SessionPoints | None:
    """The session's points, or None if the session is not the key's to read."""
    session = await conn.fetchrow(SESSION_OF_KEY, partner_id, event_name, session_id)
    if session is None:
        return None
    rows = await conn.fetch(POINTS, partner_id, [session_id])
    points = [(r["id"], r["name"], int(r["reads"]), r["last_read_at"]) for r in rows]
    return SessionPoints(
        session["id"], session["event_name"], session["live"], session["slug"], points
    )

