"""Store a batch's reads with one deduplicating statement: the simple path every batch can take.

`INSERT … SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING`, and in the same statement the
batch's end (p88.ingest.finish: resume points, point locks, the check), so the statement is
atomic by itself and a live read costs one round trip on its way to the screens. The dedup
index is the only judge of what is new; RETURNING gives the new rows as committed (a time
finer than hundredths comes back rounded, as stored).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from p88.db.pool import Connection
from p88.ingest.finish import Finish, finish_ctes
from p88.reads import SessionKey, StampedRead, StoredRead

COLUMNS = (
    "partner_id",
    "session_id",
    "location_id",
    "tag",
    "local_time",
    "lap",
    "reader_id",
    "gator",
    "sequence",
    "connection_id",
    "received_at",
)

# The new reads' rows, then the check's row, marked true (the UNION runs every branch, so the
# check runs even when every read was a repeat).
INSERT_READS = f"""WITH new AS (
    INSERT INTO timing_reads ({", ".join(COLUMNS)})
    SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[],
        $5::timestamp[], $6::integer[], $7::text[], $8::integer[], $9::bigint[], $10::text[],
        $11::timestamptz[])
    ON CONFLICT DO NOTHING
    RETURNING id, partner_id, session_id, location_id, tag, local_time, lap, reader_id, gator,
        sequence, received_at
),
{finish_ctes(12)}
SELECT false AS is_check, * FROM new
UNION ALL SELECT true{", NULL" * 11} FROM checked"""

PointIds = Mapping[tuple[SessionKey, str], tuple[int, int]]
"""(session key, point name) -> (session id, location id)."""


def point_ids_of(reads: Sequence[StampedRead], ids: PointIds) -> list[tuple[int, int]]:
    """(session id, location id) of each read, in order. A connection's reads share one
    SessionKey object and one point name, so the lookup (and SessionKey's hash, written in
    Python) runs only where consecutive reads differ."""
    result = []
    last_session: SessionKey | None = None
    last_location: str | None = None
    point = (0, 0)
    for p in reads:
        if p.session is not last_session or p.location is not last_location:
            last_session, last_location = p.session, p.location
            point = ids[(p.session, p.location)]
        result.append(point)
    return result


async def insert_reads(
    conn: Connection,
    reads: Sequence[StampedRead],
    points: Sequence[tuple[int, int]],
    names: Mapping[int, str],
    finish: Finish,
) -> list[StoredRead]:
    """Insert `reads` (no guns; at least one) at `points` and finish the batch; return the
    reads that were new, as committed. `names`: location id -> point name."""
    session_ids, location_ids = zip(*points, strict=True)
    columns = [
        [p.session.partner_id for p in reads],
        list(session_ids),
        list(location_ids),
        [p.tag for p in reads],
        [p.local_time for p in reads],
        [p.lap for p in reads],
        [p.reader_id for p in reads],
        [p.gator for p in reads],
        [p.sequence for p in reads],
        [p.connection_id for p in reads],
        [p.received_at for p in reads],
    ]
    rows = await conn.fetch(INSERT_READS, *columns, *finish.args())
    return [StoredRead(r[1], r[2], r[3], r[4], names[r[4]], *r[5:12]) for r in rows if not r[0]]
