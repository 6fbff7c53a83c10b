"""Store one batch: its reads, its gun times, its resume points, all or nothing.

A batch whose points are all cached and that holds no gun time is one statement (or the
direct COPY's one transaction); any other batch runs in a transaction that first finds or
creates its session and location ids.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from p88.db.pool import (
    Connection,
    ConnectionSource,
    DeadlockDetected,
    ForeignKeyViolation,
    PostgresError,
    Row,
    UniqueViolation,
)
from p88.ingest.direct_copy import copy_direct, takes_direct_copy
from p88.ingest.finish import FINISH_BATCH, STALE_POINT, Finish
from p88.ingest.handovers import learn_handovers, redirected
from p88.ingest.insert import PointIds, insert_reads, point_ids_of
from p88.ingest.points import IdCache, all_cached, distinct_points, ids_by_point, resolve_ids
from p88.ingest.resume import PointKey, max_sequences
from p88.reads import StampedRead, StoredRead

INSERT_GUNS = """
INSERT INTO gun_times (partner_id, session_id, location_id, local_time, sequence, reader_id)
SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::timestamp[], $5::bigint[],
                     $6::text[])
ON CONFLICT DO NOTHING
RETURNING id
"""

TOUCH_SESSIONS = "UPDATE timing_sessions SET last_read_at = now() WHERE id = ANY($1::bigint[])"

DEDUP_INDEX = "timing_reads_dedup"  # sql/0001_collector.sql
WRITE_ATTEMPTS = 4  # the first, then one for each kind of conflict write_batch retries


@dataclass(slots=True)
class WriteResult:
    stored: Sequence[StoredRead]
    duplicates: int
    guns: int
    resume_points: dict[PointKey, int]  # committed in the same transaction as the reads
    gun_sessions: frozenset[int] = frozenset()  # sessions that got a new gun time
    fell_back: bool = False  # expect_new was wrong: the batch was written a second time


async def write_batch(
    pool: ConnectionSource,
    batch: Sequence[StampedRead],
    cache: IdCache,
    touched: dict[int, float] | None = None,
    *,
    expect_new: bool = False,
) -> WriteResult:
    """Store one batch atomically; return the reads that were new. `pool` is anything with
    the pool's `acquire()`: the pool itself, or a writer's HeldConnection.

    `expect_new`: the caller believes no read of the batch is stored yet (NewReadsGuess), so
    a large batch may take the direct COPY (p88.ingest.direct_copy); if one was stored after
    all, the batch is rolled back and written again the simple way."""
    if not batch:
        return WriteResult([], 0, 0, {})
    touched = {} if touched is None else touched
    fell_back = False
    # The causes of a second write can follow one another (a merged point, then a wrong
    # guess); once a guess was wrong or shards deadlocked, the retries take the simple way,
    # so a wrong guess costs one write at most.
    for attempt in range(WRITE_ATTEMPTS):
        last = attempt == WRITE_ATTEMPTS - 1
        try:
            result = await _write_batch_once(pool, batch, cache, touched, expect_new)
            result.fell_back = fell_back
            return result
        except UniqueViolation as exc:
            if not expect_new or exc.constraint_name != DEDUP_INDEX:
                raise
            expect_new, fell_back = False, True
        except DeadlockDetected:
            # Two shards inserting the same reads in different orders (two clients on one
            # point): PostgreSQL broke the tie by aborting this one; the retry finds the
            # others' rows.
            if last:
                raise
            expect_new = False
        except PostgresError as exc:
            # gun_times still has foreign keys, hence ForeignKeyViolation beside the check.
            if last or (not isinstance(exc, ForeignKeyViolation) and exc.sqlstate != STALE_POINT):
                raise
            # A cached session id is gone: an operator merged that session into another (see
            # p88.db.session_ops), or a platform admin handed it to a company (p88.db.handover).
            # Forget every cached id and look them up (or create them) under the company each
            # session belongs to now.
            cache.clear()
            await learn_handovers(pool, batch, cache.redirects)
    raise AssertionError("unreachable: the last attempt returns or raises")


async def _write_batch_once(
    pool: ConnectionSource,
    batch: Sequence[StampedRead],
    cache: IdCache,
    touched: dict[int, float],
    expect_new: bool,
) -> WriteResult:
    # Resume points stay with the company each connection authenticated as (see
    # p88.ingest.handovers); everything else goes where the session belongs now.
    resume = max_sequences(batch)
    batch = redirected(batch, cache.redirects)
    points = distinct_points(batch)
    reads = [p for p in batch if not p.is_gun]
    guns = [p for p in batch if p.is_gun]
    async with pool.acquire() as conn:
        if not guns and all_cached(points, cache):
            # The usual batch: one statement, atomic by itself, or the direct COPY's own
            # transaction in one crossing of the asyncio bridge.
            ids = ids_by_point(points, cache, IdCache())
            finish = Finish.of(resume, ids)
            stored = await _store_reads(
                conn, reads, ids, cache.location_names, finish, expect_new, own_transaction=True
            )
            await _touch(conn, ids, touched)
            return WriteResult(stored, len(reads) - len(stored), 0, resume)
        fresh = IdCache()
        async with conn.transaction():
            await resolve_ids(conn, points, cache, fresh)
            ids = ids_by_point(points, cache, fresh)
            names = {**cache.location_names, **fresh.location_names}
            finish = Finish.of(resume, ids)
            stored = []
            if reads:
                stored = await _store_reads(
                    conn, reads, ids, names, finish, expect_new, own_transaction=False
                )
            else:
                await conn.fetch(FINISH_BATCH, *finish.args())
            gun_ids = point_ids_of(guns, ids)
            gun_rows = await _insert_guns(conn, guns, gun_ids) if guns else []
            await _touch(conn, ids, touched)
    cache.adopt(fresh)
    gun_sessions = frozenset(session_id for session_id, _ in gun_ids) if gun_rows else frozenset()
    return WriteResult(stored, len(reads) - len(stored), len(gun_rows), resume, gun_sessions)


async def _store_reads(
    conn: Connection,
    reads: Sequence[StampedRead],
    ids: PointIds,
    names: Mapping[int, str],
    finish: Finish,
    expect_new: bool,
    *,
    own_transaction: bool,
) -> list[StoredRead]:
    """Store the reads and finish the batch: by the direct COPY when they are expected new
    and it takes them, else by the one statement. Returns the reads that were new."""
    points = point_ids_of(reads, ids)
    if expect_new and takes_direct_copy(reads):
        return await copy_direct(conn, reads, points, finish, own_transaction=own_transaction)
    return await insert_reads(conn, reads, points, names, finish)


async def _insert_guns(
    conn: Connection, guns: Sequence[StampedRead], points: Sequence[tuple[int, int]]
) -> list[Row]:
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


async def _touch(conn: Connection, ids: PointIds, touched: dict[int, float]) -> None:
    """last_read_at is for people (the sessions page): once a second is plenty, and it keeps
    shards from queueing on the session's row lock."""
    now = time.monotonic()
    stale = list({sid for sid, _ in ids.values() if now - touched.get(sid, -2.0) >= 1.0})
    if stale:
        await conn.execute(TOUCH_SESSIONS, stale)
        touched.update(dict.fromkeys(stale, now))
