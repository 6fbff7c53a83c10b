"""The ingest's fast path: a large batch expected to be all new is COPY'd straight into
timing_reads, with no ON CONFLICT.

It carries replays and backlogs, where it keeps the stored reads/s at the floor
bench/ingest.py checks (bench/RESULTS.md, "one simple path"); p88.ingest.insert is the
simple path it must agree with. COPY has no ON CONFLICT: a batch holding one read stored
already fails with a unique violation on the dedup index, its transaction rolls back whole,
and the writer writes it again the simple way (p88.ingest.batch.write_batch). The dedup index
stays the only judge of what is new.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat
from operator import attrgetter, mod
from typing import Any

from p88.db.pool import Connection, in_one_crossing
from p88.ingest.finish import Finish, finish_ctes
from p88.ingest.insert import COLUMNS
from p88.reads import StampedRead, StoredRead, stored_read_of_fields

DIRECT_COPY_FROM = 500
"""Batches at least this big may take the direct COPY; a smaller one is one statement anyway."""

READS_ID_SEQUENCE = "timing_reads_id_seq"
"""The identity sequence of timing_reads.id (sql/0001_collector.sql; a test checks the name)."""

# The first statement finishes the batch before the rows go in and draws $1 ids from the
# identity's own sequence (COPY returns none; a rolled-back batch only leaves a gap). The
# sequence is a constant: looked up per row, it cost PostgreSQL ten times as much.
FINISH_AND_IDS = f"""WITH {finish_ctes(2)}
SELECT (SELECT array_agg(nextval('{READS_ID_SEQUENCE}')) FROM generate_series(1, $1))
FROM checked"""

_HUNDREDTH_US = 10_000
_microsecond = attrgetter("local_time.microsecond")
_partner_id = attrgetter("partner_id")
# The dedup key besides the point (sql/0001's dedup index).
_dedup_fields = attrgetter("tag", "local_time", "reader_id", "gator")


def takes_direct_copy(reads: Sequence[StampedRead]) -> bool:
    """Whether a batch expected new may be COPY'd: a large one whose every time is exact in
    timing_reads' timestamp(2), so each read is committed as sent and its StoredRead can be
    built from what is in hand."""
    return len(reads) >= DIRECT_COPY_FROM and not any(
        map(mod, map(_microsecond, reads), repeat(_HUNDREDTH_US))
    )


def first_of_each_key(
    reads: Sequence[StampedRead], points: Sequence[tuple[int, int]]
) -> tuple[Sequence[StampedRead], Sequence[tuple[int, int]]]:
    """The reads (and their points) whose dedup key no earlier read of the batch has: the
    ones ON CONFLICT DO NOTHING would store. Repeats within a batch are common (two antennas'
    identical reads in one hundredth), and COPY would fail on them."""
    keys = list(zip(points, map(_dedup_fields, reads), strict=True))
    # Walked backwards, the last index written for a key is its first occurrence.
    firsts = dict(zip(reversed(keys), range(len(keys) - 1, -1, -1), strict=True))
    if len(firsts) == len(keys):
        return reads, points
    kept = sorted(firsts.values())
    return [reads[i] for i in kept], [points[i] for i in kept]


async def copy_direct(
    conn: Connection,
    reads: Sequence[StampedRead],
    points: Sequence[tuple[int, int]],
    finish: Finish,
    *,
    own_transaction: bool,
) -> list[StoredRead]:
    """Finish the batch, then COPY the first read of each dedup key (at its point) into
    timing_reads; return them as stored. The statements go in one crossing of the asyncio
    bridge, in a transaction of their own when `own_transaction`, else in the caller's."""
    reads, points = first_of_each_key(reads, points)
    # One transpose; the rows and the StoredReads are zipped from the columns in C.
    (
        sessions,
        connection_ids,
        locations,
        sequences,
        tags,
        times,
        laps,
        readers,
        gators,
        arrived,
        _,  # is_gun: never, guns are not reads
    ) = zip(*reads, strict=True)
    partner_ids = list(map(_partner_id, sessions))
    session_ids, location_ids = zip(*points, strict=True)
    columns = (
        partner_ids,
        session_ids,
        location_ids,
        tags,
        times,
        laps,
        readers,
        gators,
        sequences,
        connection_ids,
        arrived,
    )  # COLUMNS
    statements = _finish_and_copy_in_transaction if own_transaction else _finish_and_copy
    read_ids = await in_one_crossing(conn, statements, columns, finish.args())
    fields = (read_ids, partner_ids, session_ids, location_ids, locations, tags, times, laps)
    return list(
        map(stored_read_of_fields, zip(*fields, readers, gators, sequences, arrived, strict=True))
    )


async def _finish_and_copy(
    raw: Any, columns: Sequence[Sequence[object]], finish_args: Sequence[object]
) -> list[int]:
    """On the asyncio side (raw asyncpg): draw the ids and finish the batch, then COPY."""
    read_ids: list[int] = await raw.fetchval(FINISH_AND_IDS, len(columns[0]), *finish_args)
    rows = zip(*columns, read_ids, strict=True)
    await raw.copy_records_to_table("timing_reads", records=rows, columns=(*COLUMNS, "id"))
    return read_ids


async def _finish_and_copy_in_transaction(
    raw: Any, columns: Sequence[Sequence[object]], finish_args: Sequence[object]
) -> list[int]:
    async with raw.transaction():
        return await _finish_and_copy(raw, columns, finish_args)


MAX_DIRECT_SKIPS = 64


class NewReadsGuess:
    """Whether the next batch holds only reads not yet stored, so it may take the direct
    COPY. When the guess is wrong (a resume that overlaps, a rewind, two clients on one
    point) the batch is written a second time; each wrong guess in a row then doubles how
    many batches go the simple way before the next try, so a long rewind costs a few wasted
    COPYs, not one per batch."""

    def __init__(self) -> None:
        self.skips = 0  # batches left to write the simple way
        self.backoff = 1

    @property
    def expect_new(self) -> bool:
        return self.skips == 0

    def note(self, fell_back: bool) -> None:
        if fell_back:
            self.skips = self.backoff
            self.backoff = min(self.backoff * 2, MAX_DIRECT_SKIPS)
        elif self.skips:
            self.skips -= 1
        else:
            self.backoff = 1
