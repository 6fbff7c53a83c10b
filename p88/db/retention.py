"""Housekeeping's queries: closing idle sessions, deleting old raw reads of ended sessions, and
the live sessions silent-point alerts belong to. They run as the owner role, across partners:
housekeeping is the platform's, not a tenant's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from p88.db.pool import Connection, Pool

# A live session with no read since `$1` and no middleware of its partner and event connected
# (`$2`/`$3`: partner slugs and event names of the open connections) is over.
CLOSE_IDLE_SESSIONS = """
UPDATE timing_sessions s SET status = 'ended'
WHERE s.status = 'live' AND coalesce(s.last_read_at, s.created_at) < $1
  AND NOT EXISTS (
      SELECT 1 FROM unnest($2::text[], $3::text[]) AS c(slug, event)
      JOIN partners p ON p.slug = c.slug
      WHERE p.id = s.partner_id AND c.event = s.event_name)
RETURNING s.id
"""

# Ended sessions and how many days of raw reads their partner keeps: the current plan's
# read_retention_days, else `$1` ([retention] raw_reads_days).
ENDED_SESSIONS = """
SELECT s.id, s.partner_id,
       coalesce((SELECT p.read_retention_days
                 FROM subscriptions sub JOIN plans p ON p.id = sub.plan_id
                 WHERE sub.partner_id = s.partner_id AND sub.status <> 'cancelled'
                   AND sub.starts_on <= current_date
                   AND (sub.ends_on IS NULL OR sub.ends_on >= current_date)
                 ORDER BY sub.starts_on DESC, sub.id DESC LIMIT 1), $1) AS days
FROM timing_sessions s
WHERE s.status = 'ended'
ORDER BY s.id
"""

# One batch: its own statement, so its own short transaction. The session is checked again
# (still ended) so a session reopened meanwhile loses nothing more.
DELETE_READS_BATCH = """
DELETE FROM timing_reads
WHERE id IN (
    SELECT r.id FROM timing_reads r
    WHERE r.session_id = $1 AND r.received_at < $2
      AND EXISTS (SELECT 1 FROM timing_sessions s WHERE s.id = $1 AND s.status = 'ended')
    LIMIT $3)
"""

LIVE_SESSIONS = """
SELECT s.id, p.slug, s.event_name
FROM timing_sessions s JOIN partners p ON p.id = s.partner_id
WHERE s.status = 'live'
ORDER BY s.last_read_at NULLS FIRST, s.id
"""


@dataclass(frozen=True, slots=True)
class EndedSession:
    id: int
    partner_id: int
    days: int  # raw reads kept this many days


async def close_idle_sessions(
    pool: Pool, idle_before: datetime, connected: list[tuple[str, str]]
) -> list[int]:
    slugs = [slug for slug, _ in connected]
    events = [event for _, event in connected]
    rows = await pool.fetch(CLOSE_IDLE_SESSIONS, idle_before, slugs, events)
    return [row["id"] for row in rows]


async def ended_sessions(pool: Pool, default_days: int) -> list[EndedSession]:
    rows = await pool.fetch(ENDED_SESSIONS, default_days)
    return [EndedSession(row["id"], row["partner_id"], row["days"]) for row in rows]


async def delete_reads_batch(
    conn: Connection, session_id: int, received_before: datetime, limit: int
) -> int:
    status = await conn.execute(DELETE_READS_BATCH, session_id, received_before, limit)
    return int(status.rsplit(" ", 1)[1])


async def live_sessions(pool: Pool) -> dict[tuple[str, str], int]:
    """(partner slug, event name) -> the live session's id (the most recently read one when a
    multi-day event has several live sessions)."""
    return {(row["slug"], row["event_name"]): row["id"] for row in await pool.fetch(LIVE_SESSIONS)}
