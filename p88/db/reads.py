"""Queries over stored reads: export, and a session's reads for a feed that starts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from p88.db.pool import Connection

EXPORT_COLUMNS = (
    "partner",
    "event",
    "session_id",
    "location",
    "sequence",
    "tag",
    "time",
    "lap",
    "reader_id",
    "gator",
    "received_at",
)

# Local wall clock with hundredths, as the hardware sent it; received_at in UTC.
EXPORT_READS = """
SELECT p.slug AS partner, s.event_name AS event, r.session_id, l.name AS location, r.sequence,
       r.tag, to_char(r.local_time, 'YYYY-MM-DD"T"HH24:MI:SS.FF2') AS time, r.lap, r.reader_id,
       r.gator,
       to_char(r.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS received_at
FROM timing_reads r
JOIN timing_sessions s ON s.id = r.session_id
JOIN timing_locations l ON l.id = r.location_id
JOIN partners p ON p.id = r.partner_id
WHERE ($1::text IS NULL OR s.event_name = $1) AND ($2::text IS NULL OR p.slug = $2)
ORDER BY r.session_id, l.name, r.local_time, r.id
"""

# A display feed's history: the session's reads at its points (all points when $3 is NULL).
WARM_READS = """
SELECT r.id, l.name AS location, r.tag, r.local_time
FROM timing_reads r JOIN timing_locations l ON l.id = r.location_id
WHERE r.session_id = $1 AND r.partner_id = $2 AND ($3::text[] IS NULL OR l.name = ANY($3))
ORDER BY r.id
"""


async def export_reads(
    conn: Connection, event: str | None, partner: str | None
) -> AsyncIterator[tuple[Any, ...]]:
    """Rows in EXPORT_COLUMNS order, streamed through a server-side cursor."""
    async with conn.transaction():
        async for record in conn.cursor(EXPORT_READS, event, partner, prefetch=2000):
            yield tuple(record[c] for c in EXPORT_COLUMNS)
