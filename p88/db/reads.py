"""Queries over stored reads: export, and a session's reads for a feed that starts."""

from __future__ import annotations

from typing import BinaryIO

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


async def copy_reads_csv(
    conn: Connection, event: str | None, partner: str | None, output: BinaryIO
) -> int:
    """The reads as CSV (header row first, EXPORT_COLUMNS) written to `output` by PostgreSQL's
    own COPY: no Python per row. Returns how many rows were written."""
    status: str = await conn.copy_from_query(
        EXPORT_READS, event, partner, output=output, format="csv", header=True
    )
    return int(status.rsplit(" ", 1)[-1])
