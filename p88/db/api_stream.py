"""Queries of the data API's push stream (p88.live.ordered): how far reads are settled, and a
session's reads in id order between two ids."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import trio

from p88.db.pool import Connection, ConnectionSource

ID_HEAD = "SELECT head, holders FROM p88_reads_id_head()"
STILL_HOLDING = (
    "SELECT count(*) FROM pg_locks WHERE locktype = 'relation' "
    "AND relation = 'timing_reads_id_seq'::regclass AND virtualtransaction = ANY($1::text[])"
)
HOLDER_POLL_SECONDS = (0.001, 0.002, 0.005, 0.01, 0.02)  # then every 20 ms

# $1 partner, $2 session, ids in ($3, $4], oldest first.
SESSION_READS = """
SELECT r.id, l.name AS point, r.tag, r.local_time, r.lap, r.reader_id, r.gator, r.sequence,
       r.received_at
FROM timing_reads r JOIN timing_locations l ON l.id = r.location_id
WHERE r.partner_id = $1 AND r.session_id = $2 AND r.id > $3 AND r.id <= $4
ORDER BY r.id
"""

SESSION_OF_KEY = """
SELECT s.id, s.event_name, s.name, s.day, s.status FROM timing_sessions s
WHERE s.partner_id = $1 AND ($2::text IS NULL OR s.event_name = $2)
  AND (s.id = $3::bigint OR ($3::bigint IS NULL AND s.event_name = $4::text))
ORDER BY s.day DESC, s.id DESC LIMIT 1
"""


@dataclass(frozen=True, slots=True)
class StreamSession:
    id: int
    event_name: str
    name: str
    day: str
    status: str


@dataclass(frozen=True, slots=True)
class SessionRead:
    id: int
    point: str
    tag: str
    local_time: datetime
    lap: int
    reader_id: str
    gator: int
    sequence: int
    received_at: datetime


async def settled_head(source: ConnectionSource) -> int:
    """The highest read id up to which every read is stored or never will be (sql/0061)."""
    async with source.acquire() as conn:
        row = await conn.fetchrow(ID_HEAD)
        assert row is not None
        head, holders = int(row["head"]), list(row["holders"])
        pauses = iter(HOLDER_POLL_SECONDS)
        # Polled: PostgreSQL offers no wait for another transaction's end that takes no lock.
        while holders:
            if not await conn.fetchval(STILL_HOLDING, holders):
                break
            await trio.sleep(next(pauses, HOLDER_POLL_SECONDS[-1]))
    return head


async def session_reads(
    conn: Connection, partner_id: int, session_id: int, after: int, upto: int
) -> list[SessionRead]:
    rows = await conn.fetch(SESSION_READS, partner_id, session_id, after, upto)
    return [SessionRead(*row) for row in rows]


async def stream_session(
    conn: Connection,
    partner_id: int,
    key_event: str | None,
    session_id: int | None,
    event_name: str | None,
) -> StreamSession | None:
    """The session a stream follows: by id, or an event's latest; None if not the key's."""
    row = await conn.fetchrow(SESSION_OF_KEY, partner_id, key_event, session_id, event_name)
    if row is None:
        return None
    return StreamSession(row["id"], row["event_name"], row["name"], str(row["day"]), row["status"])
