"""Queries behind the display feeds (p88.hub, p88.live): a session's stored reads for a feed
that starts, and the event's field of participants.

A feed's first frame needs only its recent passings: `tail_reads` reads the newest reads and
`key_reads` the earlier reads of just the (point, tag) pairs among them (the dedup index starts
with session, location, tag), so what it costs does not grow with the session. The rest of the
history (`history_chunk`) is read after the first frame, a chunk at a time.

Tenant queries: run inside `tenant_transaction`; each filters by partner too.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from p88.db.participants import COLUMNS as PARTICIPANT_COLUMNS
from p88.db.pool import Connection, Row

HISTORY_CHUNK_ROWS = 10_000  # per statement: each chunk is detected between two checkpoints

# Filtering by location ids (not by a join on names) lets PostgreSQL estimate how many rows a
# point has: the newest reads are then a short backward walk of (session_id, id).
SESSION_POINTS = """
SELECT id, name FROM timing_locations WHERE session_id = $1 AND partner_id = $2
"""

TAIL_READS = """
SELECT id, location_id, tag, local_time FROM timing_reads
WHERE session_id = $1 AND partner_id = $2 AND location_id = ANY($3::bigint[])
ORDER BY id DESC
LIMIT $4
"""

KEY_READS = """
SELECT r.id, r.location_id, r.tag, r.local_time
FROM unnest($3::bigint[], $4::text[]) AS k(location_id, tag)
JOIN timing_reads r ON r.session_id = $1 AND r.location_id = k.location_id AND r.tag = k.tag
WHERE r.partner_id = $2 AND r.id < $5
"""

HISTORY_CHUNK = """
SELECT id, location_id, tag, local_time FROM timing_reads
WHERE session_id = $1 AND partner_id = $2 AND location_id = ANY($3::bigint[]) AND id > $4
ORDER BY id
LIMIT $5
"""

FIELD_SIGNATURE = """
SELECT count(*) AS n, max(updated_at) AS at FROM participants
WHERE partner_id = $1 AND event_name = $2
"""

# What p88.db.participants.participant_from_row takes.
EVENT_FIELD = f"""
SELECT {PARTICIPANT_COLUMNS}
FROM participants WHERE partner_id = $1 AND event_name = $2
"""

Read = tuple[int, str, str, datetime]  # (id, location, tag, local time), as the detector takes
Points = dict[int, str]  # location id -> name


async def session_points(
    conn: Connection, partner_id: int, session_id: int, names: Collection[str] | None
) -> Points:
    """The session's locations among `names` (None: all of them), by id."""
    rows = await conn.fetch(SESSION_POINTS, session_id, partner_id)
    return {row["id"]: row["name"] for row in rows if names is None or row["name"] in names}


def reads_of(rows: Sequence[Row], points: Points) -> list[Read]:
    """Rows of these queries as the detector takes them (location ids made names)."""
    return [(row["id"], points[row["location_id"]], row["tag"], row["local_time"]) for row in rows]


async def tail_reads(
    conn: Connection, partner_id: int, session_id: int, points: Points, limit: int
) -> list[Row]:
    """The session's newest `limit` reads at `points`, newest first, with location ids."""
    return list(await conn.fetch(TAIL_READS, session_id, partner_id, list(points), limit))


async def key_reads(
    conn: Connection,
    partner_id: int,
    session_id: int,
    points: Points,
    keys: Sequence[tuple[int, str]],
    before: int,
) -> list[Read]:
    """Every read with an id below `before` of the given (location id, tag) pairs."""
    rows = await conn.fetch(
        KEY_READS,
        session_id,
        partner_id,
        [location for location, _ in keys],
        [tag for _, tag in keys],
        before,
    )
    return reads_of(rows, points)


async def history_chunk(
    conn: Connection, partner_id: int, session_id: int, points: Points, after: int
) -> list[Read]:
    """The next chunk of the session's reads at `points` with ids above `after`, in id
    order (empty at the end)."""
    rows = await conn.fetch(
        HISTORY_CHUNK, session_id, partner_id, list(points), after, HISTORY_CHUNK_ROWS
    )
    return reads_of(rows, points)


async def field_signature(
    conn: Connection, partner_id: int, event_name: str
) -> tuple[int, datetime | None]:
    """What changes whenever the event's participants do: how many, and the latest change."""
    row = await conn.fetchrow(FIELD_SIGNATURE, partner_id, event_name)
    assert row is not None  # an aggregate always has its row
    return (int(row["n"]), row["at"])


async def event_field(conn: Connection, partner_id: int, event_name: str) -> list[Row]:
    """Every participant of the event (p88.live.enrich makes Participants of them)."""
    return list(await conn.fetch(EVENT_FIELD, partner_id, event_name))
