"""The collector's writes and the resume points it reads back: the statements of p88.ingest.

A batch stores its reads with one deduplicating statement (INSERT_READS) or, when they are
expected new, by a direct COPY (`copy_reads`); either way the batch's end runs in the same
statement or transaction (`finish_ctes`): the resume points move, the batch's points and their
sessions are locked until commit, and `p88_points_unchanged` (sql/0041) raises SQLSTATE P0088
unless they are what the writer's cache says. How batches are gathered, and which way each
takes, is p88.ingest's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from p88.db.pool import Connection, in_one_crossing
from p88.db.types import Queries, Row
from p88.reads import StampedRead, StoredRead

READ_COLUMNS = (
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
"""The columns of timing_reads a batch writes, in the order of INSERT_READS's arrays."""

DEDUP_INDEX = "timing_reads_dedup"  # sql/0001_collector.sql
STALE_POINT = "P0088"  # the SQLSTATE of a failed point check
READS_ID_SEQUENCE = "timing_reads_id_seq"
"""The identity sequence of timing_reads.id (sql/0001_collector.sql; a test checks the name)."""


def resume_cte(first: int) -> str:
    """Upsert the resume points from arrays $first..$first+3."""
    a, b, c, d = range(first, first + 4)
    return f"""INSERT INTO collector_resume (partner_id, connection_id, location, last_sequence)
    SELECT * FROM unnest(${a}::bigint[], ${b}::text[], ${c}::text[], ${d}::bigint[])
    ON CONFLICT (partner_id, connection_id, location) DO UPDATE
    SET last_sequence = GREATEST(collector_resume.last_sequence, EXCLUDED.last_sequence),
        updated_at = now()"""


def lock_points(first: int) -> str:
    """Lock the locations with the ids of array $first, and their sessions."""
    return f"""SELECT l.id, l.session_id
    FROM timing_locations l JOIN timing_sessions s ON s.id = l.session_id
    WHERE l.id = ANY(${first}::bigint[])
    FOR KEY SHARE"""


def check_points(first: int) -> str:
    """One row, or SQLSTATE P0088 unless CTE `locked` holds every location of array $first
    in the session at the same index of array $first+1."""
    ids, sessions = first, first + 1
    return f"""SELECT p88_points_unchanged(
        (SELECT count(*) FROM locked) = cardinality(${ids}::bigint[])
        AND NOT EXISTS (
            SELECT 1 FROM locked l
            JOIN unnest(${ids}::bigint[], ${sessions}::bigint[]) AS e(id, session_id)
              ON e.id = l.id
            WHERE e.session_id <> l.session_id))"""


def finish_ctes(first: int) -> str:
    """`resume`, `locked` and `checked` CTEs, on the six arrays from $first
    (p88.ingest.finish.Finish.args)."""
    return (
        f"resume AS ({resume_cte(first)}),\n"
        f"locked AS ({lock_points(first + 4)}),\n"
        f"checked AS ({check_points(first + 4)})"
    )


FINISH_BATCH = f"WITH {finish_ctes(1)}\nSELECT * FROM checked"
"""The end of a batch of gun times alone."""

# The new reads' rows, then the check's row, marked true (the UNION runs every branch, so the
# check runs even when every read was a repeat).
INSERT_READS = f"""WITH new AS (
    INSERT INTO timing_reads ({", ".join(READ_COLUMNS)})
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

# The direct COPY's first statement finishes the batch before the rows go in and draws $1 ids
# from the identity's own sequence (COPY returns none; a rolled-back batch only leaves a gap).
# The sequence is a constant: looked up per row, it cost PostgreSQL ten times as much.
FINISH_AND_IDS = f"""WITH {finish_ctes(2)}
SELECT (SELECT array_agg(nextval('{READS_ID_SEQUENCE}')) FROM generate_series(1, $1))
FROM checked"""

INSERT_GUNS = """
INSERT INTO gun_times (partner_id, session_id, location_id, local_time, sequence, reader_id)
SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::timestamp[], $5::bigint[],
                     $6::text[])
ON CONFLICT DO NOTHING
RETURNING id
"""

TOUCH_SESSIONS = "UPDATE timing_sessions SET last_read_at = now() WHERE id = ANY($1::bigint[])"

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

SELECT_RESUME = """
SELECT location, last_sequence FROM collector_resume
WHERE partner_id = $1 AND connection_id = $2
"""


async def insert_reads(
    conn: Connection,
    reads: Sequence[StampedRead],
    points: Sequence[tuple[int, int]],
    names: Mapping[int, str],
    finish_args: Sequence[Sequence[object]],
) -> list[StoredRead]:
    """The simple path every batch can take: insert `reads` (no guns; at least one) at
    `points` (session id, location id) and finish the batch, in one statement, atomic by
    itself. Returns the reads that were new, as committed (a time finer than hundredths comes
    back rounded, as stored). `names`: location id -> point name."""
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
    rows = await conn.fetch(INSERT_READS, *columns, *finish_args)
    return [StoredRead(r[1], r[2], r[3], r[4], names[r[4]], *r[5:12]) for r in rows if not r[0]]


async def copy_reads(
    conn: Connection,
    columns: Sequence[Sequence[object]],
    finish_args: Sequence[Sequence[object]],
    *,
    own_transaction: bool,
) -> list[int]:
    """Finish the batch, then COPY the rows of `columns` (READ_COLUMNS) into timing_reads;
    return their new ids. The statements go in one crossing of the asyncio bridge, in a
    transaction of their own when `own_transaction`, else in the caller's."""
    statements = _finish_and_copy_in_transaction if own_transaction else _finish_and_copy
    read_ids: list[int] = await in_one_crossing(conn, statements, columns, finish_args)
    return read_ids


async def _finish_and_copy(
    raw: Any, columns: Sequence[Sequence[object]], finish_args: Sequence[object]
) -> list[int]:
    """On the asyncio side (raw asyncpg): draw the ids and finish the batch, then COPY."""
    read_ids: list[int] = await raw.fetchval(FINISH_AND_IDS, len(columns[0]), *finish_args)
    rows = zip(*columns, read_ids, strict=True)
    await raw.copy_records_to_table("timing_reads", records=rows, columns=(*READ_COLUMNS, "id"))
    return read_ids


async def _finish_and_copy_in_transaction(
    raw: Any, columns: Sequence[Sequence[object]], finish_args: Sequence[object]
) -> list[int]:
    async with raw.transaction():
        return await _finish_and_copy(raw, columns, finish_args)


async def finish_batch(conn: Connection, finish_args: Sequence[Sequence[object]]) -> None:
    """The end of a batch that stored no read (gun times alone)."""
    await conn.fetch(FINISH_BATCH, *finish_args)


async def insert_guns(
    conn: Connection, guns: Sequence[StampedRead], points: Sequence[tuple[int, int]]
) -> list[Row]:
    """Store gun times (at their (session id, location id)); the new ones' rows."""
    rows: list[Row] = await conn.fetch(
        INSERT_GUNS,
        [p.session.partner_id for p in guns],
        [point[0] for point in points],
        [point[1] for point in points],
        [p.local_time for p in guns],
        [p.sequence for p in guns],
        [p.reader_id for p in guns],
    )
    return rows


async def touch_sessions(conn: Connection, session_ids: Sequence[int]) -> None:
    """Note that the sessions received reads just now (last_read_at, for people)."""
    await conn.execute(TOUCH_SESSIONS, list(session_ids))


async def upsert_session(
    conn: Connection, partner_id: int, event_name: str, day: date, timezone: str
) -> int:
    """The id of the partner's timing session of `event_name` on `day`, created if new."""
    session_id: int = await conn.fetchval(UPSERT_SESSION, partner_id, event_name, day, timezone)
    return session_id


async def upsert_location(conn: Connection, partner_id: int, session_id: int, name: str) -> int:
    """The id of the session's timing point `name`, created if new."""
    location_id: int = await conn.fetchval(UPSERT_LOCATION, partner_id, session_id, name)
    return location_id


async def stored_resume_points(
    database: Queries, partner_id: int, connection_id: str
) -> dict[str, int]:
    """The highest stored sequence of each point of a middleware connection id."""
    rows = await database.fetch(SELECT_RESUME, partner_id, connection_id)
    return {row["location"]: row["last_sequence"] for row in rows}
