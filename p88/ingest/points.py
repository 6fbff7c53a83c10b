"""The session and location ids of a batch's points: looked up (or created) once, then cached.

A stamped read names its point by natural keys (partner, event, day, point name); the rows
need ids. A steady stream finds them all in the writer's cache and asks nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from p88.db.pool import Connection
from p88.ingest.handovers import Redirects
from p88.reads import SessionKey, StampedRead

UPSERT_SESSION = """
INSERT INTO timing_sessions (partner_id, event_name, day, timezone, name)
VALUES ($1, $2, $3, $4, $2)
ON CONFLICT (partner_id, event_name, day) DO UPDATE SET event_name = EXCLUDED.event_name
RETURNING id
"""

UPSERT_LOCATION = """
INSERT INTO timing_locations (partner_id, session_id, name) VALUES ($1, $2, $3)
ON CONFLICT (session_id, name) DO UPDATE SET name = EXCLUDED.name
RETURNING id
"""


@dataclass(slots=True)
class IdCache:
    """Session and location ids already known, so a steady stream needs no lookups."""

    sessions: dict[SessionKey, int] = field(default_factory=dict)
    locations: dict[tuple[int, str], int] = field(default_factory=dict)
    location_names: dict[int, str] = field(default_factory=dict)
    redirects: Redirects = field(default_factory=dict)  # sessions handed to another company

    def adopt(self, fresh: IdCache) -> None:
        """Keep ids found or created by a batch that committed."""
        self.sessions.update(fresh.sessions)
        self.locations.update(fresh.locations)
        self.location_names.update(fresh.location_names)

    def clear(self) -> None:
        self.sessions.clear()
        self.locations.clear()
        self.location_names.clear()


async def resolve_ids(
    conn: Connection, points: Sequence[tuple[SessionKey, str]], cache: IdCache, fresh: IdCache
) -> None:
    """Find or create each session and location of the batch. New ids go to `fresh`, which
    joins the cache only after commit, so a rolled-back id is never reused."""
    for key, location in points:
        session_id = cache.sessions.get(key) or fresh.sessions.get(key)
        if session_id is None:
            session_id = await conn.fetchval(
                UPSERT_SESSION, key.partner_id, key.event, key.day, key.timezone
            )
            fresh.sessions[key] = session_id
        loc_key = (session_id, location)
        if loc_key not in cache.locations and loc_key not in fresh.locations:
            location_id = await conn.fetchval(UPSERT_LOCATION, key.partner_id, session_id, location)
            fresh.locations[loc_key] = location_id
            fresh.location_names[location_id] = location


def distinct_points(batch: Sequence[StampedRead]) -> list[tuple[SessionKey, str]]:
    """Each distinct (session, point) of the batch, in order of appearance. Consecutive
    reads of one connection share their objects: only changes are hashed."""
    seen: dict[tuple[SessionKey, str], None] = {}
    last_session: SessionKey | None = None
    last_location: str | None = None
    for p in batch:
        if p.session is not last_session or p.location is not last_location:
            last_session, last_location = p.session, p.location
            seen[(p.session, p.location)] = None
    return list(seen)


def ids_by_point(
    points: Sequence[tuple[SessionKey, str]], cache: IdCache, fresh: IdCache
) -> dict[tuple[SessionKey, str], tuple[int, int]]:
    """(session id, location id) of each distinct (session, point) in the batch."""
    ids: dict[tuple[SessionKey, str], tuple[int, int]] = {}
    for session, location in points:
        session_id = cache.sessions.get(session) or fresh.sessions[session]
        loc_key = (session_id, location)
        ids[(session, location)] = (
            session_id,
            cache.locations.get(loc_key) or fresh.locations[loc_key],
        )
    return ids


def all_cached(points: Sequence[tuple[SessionKey, str]], cache: IdCache) -> bool:
    for session, location in points:
        session_id = cache.sessions.get(session)
        if session_id is None or (session_id, location) not in cache.locations:
            return False
    return True
