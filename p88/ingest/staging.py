"""Insert a batch of reads into timing_reads with one deduplicating INSERT … ON CONFLICT DO
NOTHING: the dedup index stays the only judge of what is new.

Two ways to hand PostgreSQL the rows, by batch size:
- a large batch (a backlog, a replay) is COPY'd into a per-connection staging table first:
  COPY's binary encoder costs about half the client CPU of eleven arrays;
- a small batch (a live race trickling in) goes as arrays to `unnest` in the INSERT itself:
  the staging table would cost three more round trips, which is most of a small batch's time.

A large batch the writer expects to be all new (p88.ingest.writer.NewReadsGuess) may instead
be COPY'd straight into timing_reads, with ids drawn from the table's own sequence first: that
costs PostgreSQL about half of the staging table and the deduplicating INSERT, and needs no
RETURNING rows. Its rows go in COPY's text format, with the client's own text for each time
where the parser kept it: asyncpg's binary encoder cost the server twice the CPU. COPY has no
ON CONFLICT: a batch holding one read already stored fails with a unique violation on the
dedup index, its transaction rolls back whole, and the writer writes it again the
deduplicating way (p88.ingest.writer.write_batch). The dedup index stays the judge.

RETURNING gives only the row id and what identifies the read within its batch (connection id,
point, sequence); everything else the caller sent, so decoding it back is wasted work. When
that key is not unique within a batch (a client resending inside one batch) or a time has more
than hundredths (PostgreSQL rounds it), the batch takes the full RETURNING instead, so a
StoredRead always holds exactly what was committed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from itertools import repeat
from operator import attrgetter, mod
from typing import Any, cast

from p88.db.pool import Connection, in_one_crossing
from p88.ingest.finish import Finish, finish_ctes
from p88.reads import SessionKey, StampedRead, StoredColumns, StoredRead

STAGING = "ingest_reads_staging"

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


def row_of(p: StampedRead, session_id: int, location_id: int) -> tuple[object, ...]:
    """The COLUMNS of one read, in order: what every path hands PostgreSQL."""
    return (
        p.session.partner_id,
        session_id,
        location_id,
        p.tag,
        p.local_time,
        p.lap,
        p.reader_id,
        p.gator,
        p.sequence,
        p.connection_id,
        p.received_at,
    )


def stored_of(p: StampedRead, read_id: int, session_id: int, location_id: int) -> StoredRead:
    """The StoredRead of `p` committed as row `read_id`, when the row holds exactly what was
    sent (every path but the full RETURNING one)."""
    return StoredRead(
        read_id,
        p.session.partner_id,
        session_id,
        location_id,
        p.location,
        p.tag,
        p.local_time,
        p.lap,
        p.reader_id,
        p.gator,
        p.sequence,
        p.received_at,
    )


# Temporary: each pool connection has its own, it never reaches the WAL, and ON COMMIT DELETE
# ROWS empties it when the batch's transaction ends (a rollback empties it as well).
CREATE_STAGING = f"""
CREATE TEMP TABLE IF NOT EXISTS {STAGING} (
    partner_id bigint, session_id bigint, location_id bigint, tag text,
    local_time timestamp(2), lap integer, reader_id text, gator integer, sequence bigint,
    connection_id text, received_at timestamptz
) ON COMMIT DELETE ROWS
"""

COPY_FROM_READS = 500
"""Batches of at least this many reads go through the staging table."""


def finishes_itself(reads: int) -> bool:
    """Whether insert_reads writes a batch of this many reads in one statement that also
    finishes it (atomic without a transaction), rather than through the staging table (which
    needs the caller's transaction: it empties on commit)."""
    return reads < COPY_FROM_READS


_FROM_STAGING = f"SELECT {', '.join(COLUMNS)} FROM {STAGING}"
_FROM_ARRAYS = """SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[],
    $5::timestamp[], $6::integer[], $7::text[], $8::integer[], $9::bigint[], $10::text[],
    $11::timestamptz[])"""
_NARROW = "RETURNING id, connection_id, location_id, sequence"
_FULL = (
    "RETURNING id, session_id, location_id, tag, local_time, lap, reader_id, gator, sequence, "
    "received_at, partner_id"
)


def _insert(source: str, returning: str) -> str:
    return (
        f"INSERT INTO timing_reads ({', '.join(COLUMNS)})\n{source}\n"
        f"ON CONFLICT DO NOTHING\n{returning}"
    )


# (staged, narrow) -> statement
INSERTS = {
    (staged, narrow): _insert(
        _FROM_STAGING if staged else _FROM_ARRAYS, _NARROW if narrow else _FULL
    )
    for staged in (True, False)
    for narrow in (True, False)
}


def _with_finish(insert: str, narrow: bool) -> str:
    """A small batch's insert that also finishes it (p88.ingest.finish) in the same statement,
    saving round trips: the new reads' rows, then the check's row, marked true (the UNION runs
    every branch, so the check runs even when every read was a repeat)."""
    nulls = ", NULL" * ((4 if narrow else 11) - 1)
    return (
        f"WITH new AS ({insert}),\n{finish_ctes(12)}\n"
        "SELECT false AS is_check, * FROM new\n"
        f"UNION ALL SELECT true, NULL{nulls} FROM checked"
    )


READS_ID_SEQUENCE = "timing_reads_id_seq"
"""The identity sequence of timing_reads.id (sql/0001_collector.sql; a test checks the name)."""

# A direct COPY's first statement: it finishes the batch (p88.ingest.finish: resume points,
# locks, check) before the rows go in, and draws $1 ids from the identity's own sequence
# (a batch rolled back only leaves a gap), saving a round trip. The sequence is a constant,
# resolved once when the statement is planned: looked up per row (pg_get_serial_sequence) it
# cost PostgreSQL ten times as much, ~4 µs per read.
FINISH_AND_IDS = f"""WITH {finish_ctes(2)}
SELECT (SELECT array_agg(nextval('{READS_ID_SEQUENCE}')) FROM generate_series(1, $1))
FROM checked"""

# narrow -> statement: arrays insert + finish, for batches below COPY_FROM_READS
INSERTS_FINISHING = {
    narrow: _with_finish(INSERTS[(False, narrow)], narrow) for narrow in (True, False)
}

_HUNDREDTH_US = 10_000

PointIds = Mapping[tuple[SessionKey, str], tuple[int, int]]
"""(session key, point name) -> (session id, location id)."""


def point_ids_of(passings: Sequence[StampedRead], ids: PointIds) -> list[tuple[int, int]]:
    """(session id, location id) of each passing, in order. A connection's passings share one
    SessionKey object and one point name, so the lookup (and SessionKey's hash, written in
    Python) runs only where consecutive passings differ."""
    result = []
    last_session: SessionKey | None = None
    last_location: str | None = None
    point = (0, 0)
    for p in passings:
        if p.session is not last_session or p.location is not last_location:
            last_session, last_location = p.session, p.location
            point = ids[(p.session, p.location)]
        result.append(point)
    return result


async def insert_reads(
    conn: Connection,
    reads: Sequence[StampedRead],
    ids: PointIds,
    names: Mapping[int, str],
    finish: Finish,
    *,
    direct: bool = False,
) -> tuple[Sequence[StoredRead], bool]:
    """Insert `reads` (no guns); return the ones that were new, as committed, and whether the
    insert also finished the batch (a small one does: one statement, atomic by itself; so
    does a direct COPY, in the caller's transaction; a large one through the staging table
    needs FINISH_BATCH after it, in the caller's transaction).

    `direct`: the caller expects every read to be new, so a large batch may be COPY'd straight
    into timing_reads; if one is not, UniqueViolation is raised and the caller's transaction
    must be rolled back and the batch written again without `direct`."""
    if not reads:
        return [], False
    points = point_ids_of(reads, ids)
    finished = finishes_itself(len(reads))
    if direct and copies_directly(reads):
        # Every time exact: each read is committed exactly as sent, so its StoredRead is
        # built from what is in hand.
        return await copy_direct(conn, reads, points, finish, own_transaction=False), True
    records: list[tuple[object, ...]] = []
    by_key: dict[tuple[str, int, int], tuple[StampedRead, int]] = {}
    narrow = True
    for p, (session_id, location_id) in zip(reads, points, strict=True):
        records.append(row_of(p, session_id, location_id))
        key = (p.connection_id, location_id, p.sequence)
        if key in by_key or not _exact(p.local_time):
            narrow = False
        by_key[key] = (p, session_id)
    if not finished:
        await conn.execute(CREATE_STAGING)
        await conn.copy_records_to_table(STAGING, records=records, columns=COLUMNS)
        rows = await conn.fetch(INSERTS[(True, narrow)])
    else:
        arrays = [*map(list, zip(*records, strict=True)), *finish.args()]
        marked = await conn.fetch(INSERTS_FINISHING[narrow], *arrays)
        rows = [r[1:] for r in marked if not r[0]]
    if not narrow:
        return _full_rows(rows, names), finished
    stored = []
    for row in rows:
        p, session_id = by_key[(row[1], row[2], row[3])]
        stored.append(stored_of(p, row[0], session_id, row[2]))
    return stored, finished


def _exact(local_time: datetime) -> bool:
    """Whether timing_reads' timestamp(2) keeps this time as it is (no rounding)."""
    return not local_time.microsecond % _HUNDREDTH_US


def copies_directly(reads: Sequence[StampedRead]) -> bool:
    """Whether a batch expected new may take the direct COPY lane: a large one (a small one
    goes in one statement) whose every time is exact, so each read is committed as sent and
    its StoredRead is built from what is in hand."""
    return not finishes_itself(len(reads)) and _all_exact(reads)


_microsecond = attrgetter("local_time.microsecond")


def _all_exact(reads: Sequence[StampedRead]) -> bool:
    """_exact for every read's time, in one C loop (the direct lane's batches are large)."""
    return not any(map(mod, map(_microsecond, reads), repeat(_HUNDREDTH_US)))


async def copy_direct(
    conn: Connection,
    reads: Sequence[StampedRead],
    points: Sequence[tuple[int, int]],
    finish: Finish,
    *,
    own_transaction: bool,
) -> StoredColumns:
    """Finish the batch, then COPY `reads` (at `points`) straight into timing_reads, each
    dedup key once: repeats within a batch are common (two antennas' identical reads in one
    hundredth), and the first of them is the one stored, as ON CONFLICT DO NOTHING would.

    Column by column: the batch is transposed once, the keys and rows are zipped from its
    columns and the StoredReads are returned as those columns, so no Python code runs per
    read (this lane carries replays and backlogs, where the server's CPU per read sets the
    pace). The statements go in one crossing of the asyncio bridge
    (p88.db.pool.in_one_crossing), in a transaction of their own when `own_transaction`,
    else in the caller's."""
    keys = list(zip(points, map(_dedup_fields, reads), strict=True))
    # Walked backwards, the last index written for a key is its first occurrence.
    firsts = dict(zip(reversed(keys), range(len(keys) - 1, -1, -1), strict=True))
    if len(firsts) < len(keys):
        kept = sorted(firsts.values())
        reads = [reads[i] for i in kept]
        points = [points[i] for i in kept]
    (
        sessions,
        connection_ids,
        locations,
        sequences,
        tags,
        local_times,
        laps,
        reader_ids,
        gators,
        received_ats,
        _,
        time_texts,
    ) = zip(*reads, strict=True)
    partner_ids = list(map(_partner_id, sessions))
    session_ids, location_ids = zip(*points, strict=True)
    text_rows = _copy_text_rows(
        partner_ids,
        session_ids,
        location_ids,
        tags,
        _every_time_text(time_texts, local_times),
        laps,
        reader_ids,
        gators,
        sequences,
        connection_ids,
        received_ats,
    )
    statements = _finish_and_copy_in_transaction if own_transaction else _finish_and_copy
    read_ids = await in_one_crossing(conn, statements, len(reads), finish.args(), text_rows)
    return StoredColumns(
        (
            read_ids,
            partner_ids,
            session_ids,
            location_ids,
            locations,
            tags,
            local_times,
            laps,
            reader_ids,
            gators,
            sequences,
            received_ats,
        )  # StoredRead's fields
    )


TextRows = Callable[[list[int]], bytes]
"""The batch's rows in COPY's text format, given their ids."""

# One line per row: COLUMNS then id, tab-separated. Integers are formatted, the connection id
# and the receive time once per distinct value, and the other texts go as they came: asyncpg's
# binary encoder cost about 2 µs a row, 1.2 of it for the two timestamps.
_TEXT_ROW = "%d\t%d\t%d\t%s\t%s\t%d\t%s\t%d\t%d\t%s\t%s\t%d\n"
_COPY_TEXT_SPECIALS = ("\\", "\t", "\n", "\r")


def _copy_text_escaped(text: str) -> str:
    """`text` as a field of COPY's text format: backslash, tab, LF and CR escaped."""
    for special, escaped in zip(_COPY_TEXT_SPECIALS, ("\\\\", "\\t", "\\n", "\\r"), strict=True):
        text = text.replace(special, escaped)
    return text


def _escaped_column(texts: Sequence[str]) -> Sequence[str]:
    """`texts` escaped for COPY's text format; as they are when none needs it (the usual
    case, found by one scan of the whole column)."""
    joined = "".join(texts)
    if any(special in joined for special in _COPY_TEXT_SPECIALS):
        return list(map(_copy_text_escaped, texts))
    return texts


def _every_time_text(
    time_texts: Sequence[str | None], local_times: Sequence[datetime]
) -> list[str]:
    """Each read's time as text PostgreSQL reads as its local_time: as the client sent it
    where the parser kept it (a run of plain reads), else formatted here. A batch usually
    holds only a few of those (the line begun in one chunk and ended in the next)."""
    texts = list(time_texts)
    missing = -1
    try:
        while True:
            missing = texts.index(None, missing + 1)  # a C scan between the few that are
            texts[missing] = local_times[missing].isoformat()
    except ValueError:
        return cast(list[str], texts)  # no None is left


def _copy_text_rows(
    partner_ids: Sequence[int],
    session_ids: Sequence[int],
    location_ids: Sequence[int],
    tags: Sequence[str],
    time_texts: Sequence[str],
    laps: Sequence[int],
    reader_ids: Sequence[str],
    gators: Sequence[int],
    sequences: Sequence[int],
    connection_ids: Sequence[str],
    received_ats: Sequence[datetime],
) -> TextRows:
    """The rows of a batch (its columns) in COPY's text format, once the ids are known."""
    tags = _escaped_column(tags)
    reader_ids = _escaped_column(reader_ids)
    connection_text = {c: _copy_text_escaped(c) for c in set(connection_ids)}
    received_text = {r: r.isoformat() for r in set(received_ats)}

    def rows(read_ids: list[int]) -> bytes:
        fields = zip(
            partner_ids,
            session_ids,
            location_ids,
            tags,
            time_texts,
            laps,
            reader_ids,
            gators,
            sequences,
            map(connection_text.__getitem__, connection_ids),
            map(received_text.__getitem__, received_ats),
            read_ids,
            strict=True,
        )
        return "".join(map(mod, repeat(_TEXT_ROW), fields)).encode()

    return rows


async def _finish_and_copy(
    raw: Any, count: int, finish_args: Sequence[object], text_rows: TextRows
) -> list[int]:
    """On the asyncio side (raw asyncpg): draw the ids and finish the batch, then COPY."""
    read_ids: list[int] = await raw.fetchval(FINISH_AND_IDS, count, *finish_args)
    # A memoryview: asyncpg would take bytes for a file's path.
    source = memoryview(text_rows(read_ids))
    await raw.copy_to_table("timing_reads", source=source, columns=(*COLUMNS, "id"), format="text")
    return read_ids


async def _finish_and_copy_in_transaction(
    raw: Any, count: int, finish_args: Sequence[object], text_rows: TextRows
) -> list[int]:
    async with raw.transaction():
        return await _finish_and_copy(raw, count, finish_args, text_rows)


_partner_id = attrgetter("partner_id")
# The dedup key besides the point (sql/0001's dedup index).
_dedup_fields = attrgetter("tag", "local_time", "reader_id", "gator")


def _full_rows(rows: Sequence[Any], names: Mapping[int, str]) -> list[StoredRead]:
    # Positional access and arguments: the order follows INSERT_FULL's RETURNING clause.
    return [
        StoredRead(r[0], r[10], r[1], r[2], names[r[2]], r[3], r[4], r[5], r[6], r[7], r[8], r[9])
        for r in rows
    ]
