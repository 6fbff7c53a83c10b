"""Timing sessions as the operator sees them: summaries, points, gun times, unknown tags and the
latest reads. Tenant queries: run inside `tenant_transaction`, and each filters by partner too."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from p88.db.pool import Connection


@dataclass(frozen=True, slots=True)
class Point:
    location_id: int
    name: str
    reads: int
    last_read_at: datetime | None  # received_at of the newest read


@dataclass(frozen=True, slots=True)
class GunTime:
    id: int
    wave: str
    local_time: datetime
    source: str  # 'hardware' or 'manual'
    location: str | None


@dataclass(slots=True)
class SessionSummary:
    id: int
    event_name: str
    day: date
    timezone: str
    name: str
    status: str
    created_at: datetime
    last_read_at: datetime | None
    points: list[Point] = field(default_factory=list)
    gun_times: list[GunTime] = field(default_factory=list)
    unknown_tags: int = 0
    participants: int = 0

    @property
    def reads(self) -> int:
        return sum(p.reads for p in self.points)

    @property
    def live(self) -> bool:
        return self.status == "live"


@dataclass(frozen=True, slots=True)
class UnknownTag:
    tag: str
    reads: int
    first_seen: datetime
    last_seen: datetime
    locations: list[str]


@dataclass(frozen=True, slots=True)
class RecentRead:
    id: int
    location: str
    tag: str
    local_time: datetime
    received_at: datetime
    bib: str | None
    name: str | None


@dataclass(frozen=True, slots=True)
class SessionChoice:
    """A session offered in a form (a display's session), with its points' names."""

    id: int
    name: str
    event_name: str
    day: date
    status: str
    locations: list[str]


SESSIONS = """
SELECT s.id, s.event_name, s.day, s.timezone, s.name, s.status, s.created_at, s.last_read_at,
       (SELECT count(*) FROM participants p
         WHERE p.partner_id = s.partner_id AND p.event_name = s.event_name) AS participants
FROM timing_sessions s
WHERE s.partner_id = $1 AND ($2::bigint IS NULL OR s.id = $2)
ORDER BY s.status = 'live' DESC, s.last_read_at DESC NULLS LAST, s.created_at DESC, s.id DESC
"""

POINTS = """
SELECT l.session_id, l.id, l.name, count(r.id) AS reads, max(r.received_at) AS last_read_at
FROM timing_locations l
LEFT JOIN timing_reads r ON r.location_id = l.id AND r.partner_id = l.partner_id
WHERE l.partner_id = $1 AND l.session_id = ANY($2::bigint[])
GROUP BY l.session_id, l.id, l.name
ORDER BY l.session_id, l.name
"""

GUNS = """
SELECT g.session_id, g.id, coalesce(g.wave, '') AS wave, g.local_time, g.source,
       l.name AS location
FROM gun_times g LEFT JOIN timing_locations l ON l.id = g.location_id
WHERE g.partner_id = $1 AND g.session_id = ANY($2::bigint[])
ORDER BY g.session_id, g.local_time
"""

UNKNOWN_COUNTS = """
SELECT r.session_id, count(DISTINCT r.tag) AS unknown
FROM timing_reads r JOIN timing_sessions s ON s.id = r.session_id
WHERE r.partner_id = $1 AND r.session_id = ANY($2::bigint[])
  AND NOT EXISTS (SELECT 1 FROM participants p WHERE p.partner_id = s.partner_id
                  AND p.event_name = s.event_name AND p.tag = r.tag)
GROUP BY r.session_id
"""

UNKNOWN_TAGS = """
SELECT r.tag, count(*) AS reads, min(r.local_time) AS first_seen, max(r.local_time) AS last_seen,
       array_agg(DISTINCT l.name ORDER BY l.name) AS locations
FROM timing_reads r
JOIN timing_sessions s ON s.id = r.session_id
JOIN timing_locations l ON l.id = r.location_id
WHERE r.partner_id = $1 AND r.session_id = $2
  AND NOT EXISTS (SELECT 1 FROM participants p WHERE p.partner_id = s.partner_id
                  AND p.event_name = s.event_name AND p.tag = r.tag)
GROUP BY r.tag
ORDER BY count(*) DESC, r.tag
LIMIT $3
"""

RECENT_READS = """
SELECT r.id, l.name AS location, r.tag, r.local_time, r.received_at, p.bib,
       nullif(trim(p.first_name || ' ' || p.last_name), '') AS name
FROM timing_reads r
JOIN timing_sessions s ON s.id = r.session_id
JOIN timing_locations l ON l.id = r.location_id
LEFT JOIN participants p ON p.partner_id = s.partner_id AND p.event_name = s.event_name
                        AND p.tag = r.tag
WHERE r.partner_id = $1 AND r.session_id = $2
ORDER BY r.id DESC
LIMIT $3
"""
SESSION_CHOICES = """
SELECT s.id, s.name, s.event_name, s.day, s.status,
       array_remove(array_agg(l.name ORDER BY l.name), NULL) AS locations
FROM timing_sessions s LEFT JOIN timing_locations l ON l.session_id = s.id
WHERE s.partner_id = $1 GROUP BY s.id
ORDER BY (s.status = 'live') DESC, s.day DESC, s.id DESC LIMIT 200
"""


async def list_sessions(
    conn: Connection, partner_id: int, session_id: int | None = None
) -> list[SessionSummary]:
    """The partner's sessions, live first, with their points, gun times and unknown tags."""
    rows = await conn.fetch(SESSIONS, partner_id, session_id)
    sessions = {row["id"]: SessionSummary(**dict(row)) for row in rows}
    if not sessions:
        return []
    ids = list(sessions)
    for row in await conn.fetch(POINTS, partner_id, ids):
        point = Point(row["id"], row["name"], row["reads"], row["last_read_at"])
        sessions[row["session_id"]].points.append(point)
    for row in await conn.fetch(GUNS, partner_id, ids):
        gun = GunTime(row["id"], row["wave"], row["local_time"], row["source"], row["location"])
        sessions[row["session_id"]].gun_times.append(gun)
    for row in await conn.fetch(UNKNOWN_COUNTS, partner_id, ids):
        sessions[row["session_id"]].unknown_tags = row["unknown"]
    return list(sessions.values())


async def session_by_id(
    conn: Connection, partner_id: int, session_id: int
) -> SessionSummary | None:
    found = await list_sessions(conn, partner_id, session_id)
    return found[0] if found else None


async def unknown_tags(
    conn: Connection, partner_id: int, session_id: int, limit: int = 500
) -> list[UnknownTag]:
    rows = await conn.fetch(UNKNOWN_TAGS, partner_id, session_id, limit)
    return [UnknownTag(**dict(row)) for row in rows]


async def recent_reads(
    conn: Connection, partner_id: int, session_id: int, limit: int = 30
) -> list[RecentRead]:
    """The newest reads first, joined with their participant when the tag has one."""
    rows = await conn.fetch(RECENT_READS, partner_id, session_id, limit)
    return [RecentRead(**dict(row)) for row in rows]


async def session_choices(conn: Connection, partner_id: int) -> list[SessionChoice]:
    """Live sessions first, then the newest (at most 200)."""
    return [SessionChoice(*row) for row in await conn.fetch(SESSION_CHOICES, partner_id)]
