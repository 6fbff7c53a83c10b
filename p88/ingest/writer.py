"""The batching writer: reads from every connection -> one round trip per batch -> the hub.

One task owns the database writes and the journal, so the order of reads is kept and there is
no race between spilling to the journal and replaying it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import trio

from p88.db.pool import (
    DATABASE_DOWN_ERRORS,
    Connection,
    ConnectionSource,
    DeadlockDetected,
    ForeignKeyViolation,
    Pool,
    PostgresError,
    UniqueViolation,
)
from p88.hub import Hub
from p88.ingest.finish import FINISH_BATCH, STALE_POINT, Finish
from p88.ingest.handovers import Redirects, learn_handovers, redirected
from p88.ingest.held import HeldConnection
from p88.ingest.journal import Journal
from p88.ingest.records import Passing, SessionKey, StoredRead
from p88.ingest.resume import PointKey, ResumeTracker, max_sequences
from p88.ingest.staging import (
    copies_directly,
    copy_direct,
    finishes_itself,
    insert_reads,
    point_ids_of,
)
from p88.stats import Stats

log = logging.getLogger(__name__)

BUSY_BATCH = 100
"""A batch at least this big means reads arrive faster than they can go one by one."""

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
class IdCache:
    """Session and location ids already known, so a steady stream needs no lookups."""

    sessions: dict[SessionKey, int] = field(default_factory=dict)
    locations: dict[tuple[int, str], int] = field(default_factory=dict)
    location_names: dict[int, str] = field(default_factory=dict)
    redirects: Redirects = field(default_factory=dict)  # sessions handed to another company


@dataclass(slots=True)
class WriteResult:
    stored: Sequence[StoredRead]
    duplicates: int
    guns: int
    resume_points: dict[PointKey, int]  # committed in the same transaction as the reads
    gun_sessions: frozenset[int] = frozenset()  # sessions that got a new gun time
    fell_back: bool = False  # expect_new was wrong: the batch was written a second time


async def _resolve_ids(
    conn: Connection, points: Sequence[tuple[SessionKey, str]], cache: IdCache, fresh: IdCache
) -> None:
    """Find or create each session and location of the batch. New ids go to `fresh`, which
    joins the cache only after commit, so a rolled-back id is never reused."""
    for key, location in points:
        session_id = cache.sessions.get(key) or fresh.sessions.get(key)
        if session_id is None:
            session_id = await conn.fetchval(
                UPSERT_SESSION, key.partner_id, key.event, key.day, key.timezone
            )
            fresh.sessions[key] = session_id
        loc_key = (session_id, location)
        if loc_key not in cache.locations and loc_key not in fresh.locations:
            location_id = await conn.fetchval(UPSERT_LOCATION, key.partner_id, session_id, location)
            fresh.locations[loc_key] = location_id
            fresh.location_names[location_id] = location


def distinct_points(batch: Sequence[Passing]) -> list[tuple[SessionKey, str]]:
    """Each distinct (session, point) of the batch, in order of appearance. Consecutive
    passings of one connection share their objects: only changes are hashed."""
    seen: dict[tuple[SessionKey, str], None] = {}
    last_session: SessionKey | None = None
    last_location: str | None = None
    for p in batch:
        if p.session is not last_session or p.location is not last_location:
            last_session, last_location = p.session, p.location
            seen[(p.session, p.location)] = None
    return list(seen)


def _ids_by_point(
    points: Sequence[tuple[SessionKey, str]], cache: IdCache, fresh: IdCache
) -> dict[tuple[SessionKey, str], tuple[int, int]]:
    """(session id, location id) of each distinct (session, point) in the batch."""
    ids: dict[tuple[SessionKey, str], tuple[int, int]] = {}
    for session, location in points:
        session_id = cache.sessions.get(session) or fresh.sessions[session]
        loc_key = (session_id, location)
        ids[(session, location)] = (
            session_id,
            cache.locations.get(loc_key) or fresh.locations[loc_key],
        )
    return ids


async def write_batch(
    pool: ConnectionSource,
    batch: Sequence[Passing],
    cache: IdCache,
    touched: dict[int, float] | None = None,
    *,
    expect_new: bool = False,
) -> WriteResult:
    """Store one batch in one transaction; return the reads that were new. `pool` is anything
    with the pool's `acquire()`: the pool itself, or a writer's HeldConnection.

    `expect_new`: the caller believes no read of the batch is stored yet (NewReadsGuess), so
    a large batch may be COPY'd without ON CONFLICT (p88.ingest.staging); if one was stored
    after all, the batch is rolled back and written again the deduplicating way."""
    touched = {} if touched is None else touched
    fell_back = False
    # The causes of a second write can follow one another (a merged point, then a wrong
    # guess); once a guess was wrong or shards deadlocked, the retries write the batch the
    # deduplicating way, so a wrong guess costs one write at most.
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
            cache.sessions.clear()
            cache.locations.clear()
            cache.location_names.clear()
            await learn_handovers(pool, batch, cache.redirects)
    raise AssertionError("unreachable: the last attempt returns or raises")


async def _write_batch_once(
    pool: ConnectionSource,
    batch: Sequence[Passing],
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
        if not guns and _all_cached(points, cache):
            ids = _ids_by_point(points, cache, IdCache())
            finish = Finish.of(resume, ids)
            stored: Sequence[StoredRead] | None = None
            if finishes_itself(len(reads)):
                # The live race's usual batch: one statement, atomic by itself (no BEGIN, COMMIT).
                stored, _ = await insert_reads(conn, reads, ids, cache.location_names, finish)
            elif expect_new and copies_directly(reads):
                # A replay's or a backlog's batch: straight in, its transaction in one crossing.
                points_of_reads = point_ids_of(reads, ids)
                stored = await copy_direct(
                    conn, reads, points_of_reads, finish, own_transaction=True
                )
            if stored is not None:
                await _touch(conn, ids, touched)
                return WriteResult(stored, len(reads) - len(stored), 0, resume)
        fresh = IdCache()
        async with conn.transaction():
            await _resolve_ids(conn, points, cache, fresh)
            ids = _ids_by_point(points, cache, fresh)
            names = {**cache.location_names, **fresh.location_names}
            finish = Finish.of(resume, ids)
            stored, finished = await insert_reads(
                conn, reads, ids, names, finish, direct=expect_new
            )
            gun_rows = []
            gun_ids = point_ids_of(guns, ids)
            if guns:
                gun_rows = await conn.fetch(
                    INSERT_GUNS,
                    [p.session.partner_id for p in guns],
                    [point[0] for point in gun_ids],
                    [point[1] for point in gun_ids],
                    [p.local_time for p in guns],
                    [p.sequence for p in guns],
                    [p.reader_id for p in guns],
                )
            if not finished:
                await conn.fetch(FINISH_BATCH, *finish.args())
            await _touch(conn, ids, touched)
    cache.sessions.update(fresh.sessions)
    cache.locations.update(fresh.locations)
    cache.location_names.update(fresh.location_names)
    gun_sessions = frozenset(session_id for session_id, _ in gun_ids) if gun_rows else frozenset()
    return WriteResult(stored, len(reads) - len(stored), len(gun_rows), resume, gun_sessions)


def _all_cached(points: Sequence[tuple[SessionKey, str]], cache: IdCache) -> bool:
    for session, location in points:
        session_id = cache.sessions.get(session)
        if session_id is None or (session_id, location) not in cache.locations:
            return False
    return True


async def _touch(
    conn: Connection, ids: dict[tuple[SessionKey, str], tuple[int, int]], touched: dict[int, float]
) -> None:
    """last_read_at is for people (the sessions page): once a second is plenty, and it keeps
    shards from queueing on the session's row lock."""
    now = time.monotonic()
    stale = list({sid for sid, _ in ids.values() if now - touched.get(sid, -2.0) >= 1.0})
    if stale:
        await conn.execute(TOUCH_SESSIONS, stale)
        touched.update(dict.fromkeys(stale, now))


def latencies_ms(batch: Sequence[Passing], committed_at: float) -> list[float]:
    """Socket read -> commit of each passing. The passings of one socket read share their
    received_at object, so its timestamp is computed once per read chunk, not per passing."""
    result: list[float] = []
    received = None
    latency = 0.0
    for p in batch:
        if p.received_at is not received:
            received = p.received_at
            latency = (committed_at - received.timestamp()) * 1000
        result.append(latency)
    return result


MAX_DIRECT_SKIPS = 64


class NewReadsGuess:
    """Whether the next batch holds only reads not yet stored, so it may skip deduplication
    (write_batch's expect_new). When the guess is wrong (a resume that overlaps, a rewind, two
    clients on one point) the batch is written a second time; each wrong guess in a row then
    doubles how many batches go the deduplicating way before the next try, so a long rewind
    costs a few wasted COPYs, not one per batch."""

    def __init__(self) -> None:
        self.skips = 0  # batches left to write the deduplicating way
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


class IngestWriter:
    """One ingest shard: batches the reads of its connections, writes them, and journals them
    while the database is down. Shard 0 also replays the journal."""

    def __init__(
        self,
        pool: Pool,
        journal: Journal,
        hub: Hub,
        stats: Stats,
        resume: ResumeTracker,
        *,
        batch_size: int = 2000,
        batch_wait: float = 0.001,
        channel_batches: int = 64,
        retry_interval: float = 0.5,
        journal_lock: trio.Lock | None = None,
        drains_journal: bool = True,
    ) -> None:
        self.pool = pool
        self.journal = journal
        # Shards share one journal: appends and the replay of a segment take turns, so a
        # segment is never deleted while another shard is appending to it.
        self.journal_lock = journal_lock or trio.Lock()
        self.drains_journal = drains_journal
        self.touched: dict[int, float] = {}
        self.hub = hub
        self.stats = stats
        self.resume = resume
        self.batch_size = batch_size
        self.batch_wait = batch_wait
        self.retry_interval = retry_interval
        self.cache = IdCache()
        self.connection = HeldConnection(pool)  # kept between batches (p88.ingest.held)
        # Bounded: when the database is slow, handlers block here and stop reading their
        # sockets, so backpressure reaches the hardware instead of memory.
        self.send_channel, self._receive = trio.open_memory_channel[list[Passing]](channel_batches)
        self._next_retry = 0.0
        self._last_batch = 0  # reads in the previous batch: is the collector busy?
        self.guess = NewReadsGuess()
        self.stats.journal_backlog = journal.backlog

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Runs until every clone of send_channel is closed and all it held is stored."""
        task_status.started()
        try:
            async with self._receive:
                while True:
                    batch = await self._gather()
                    if batch is None:
                        break
                    if batch:
                        await self._store(batch)
                        self.stats.ingest_backlog -= len(batch)
                    if self.journal.backlog and self.drains_journal:
                        await self._drain_journal()
            if self.journal.backlog and self.drains_journal:
                await self._drain_journal(force=True)
        finally:
            await self.connection.release()  # the pool cannot close while a writer holds one

    async def _gather(self) -> list[Passing] | None:
        """Wait for reads, then take whatever else is queued (up to batch_size, batch_wait).
        Returns [] when it is time to retry the journal, None when the channel is closed."""
        try:
            if self.drains_journal:
                # Wake up now and then: another shard may have journaled in the meantime.
                # Only the wait for the first reads is cut short (a cancelled receive loses
                # nothing); once reads are in hand they are always kept.
                first: list[Passing] | None = None
                with trio.move_on_after(self.retry_interval):
                    first = await self._receive.receive()
                if first is None:
                    return []
                return await self._fill(list(first))
            return await self._fill(list(await self._receive.receive()))
        except trio.EndOfChannel:
            return None

    async def _fill(self, batch: list[Passing]) -> list[Passing]:
        """Add what is queued; wait up to batch_wait for more only while reads pour in."""
        # A live race arrives a read or two at a time: those go at once, since waiting would
        # only delay them on their way to the screens. When the last batch was big (a replay,
        # a backlog, a crowd at the line), a short wait makes the next one bigger, and each
        # round trip through trio-asyncio costs the same CPU whatever the batch size.
        wait = self.batch_wait if self._last_batch >= BUSY_BATCH else 0.0
        deadline = trio.current_time() + wait
        while len(batch) < self.batch_size:
            try:
                batch.extend(self._receive.receive_nowait())
                continue
            except trio.WouldBlock:
                if not wait:
                    break
            except trio.EndOfChannel:
                break
            with trio.move_on_at(deadline) as scope:
                try:
                    batch.extend(await self._receive.receive())
                except trio.EndOfChannel:
                    break
            if scope.cancelled_caught:
                break
        self._last_batch = len(batch)
        return batch

    async def _store(self, batch: list[Passing]) -> None:
        if self.journal.backlog or not self.stats.database_up:
            # Order matters: while older reads wait in the journal, newer ones queue behind them.
            await self._journal(batch)
            return
        try:
            result = await write_batch(
                self.connection, batch, self.cache, self.touched, expect_new=self.guess.expect_new
            )
        except DATABASE_DOWN_ERRORS as exc:
            self._mark_down(exc)
            await self._journal(batch)
            return
        self.stats.ingest_latency_ms.add_many(latencies_ms(batch, time.time()))
        self._committed(result)

    def _committed(self, result: WriteResult) -> None:
        self.guess.note(result.fell_back)
        self.resume.note_points(result.resume_points)
        self.stats.reads_stored += len(result.stored)
        self.stats.duplicates_dropped += result.duplicates
        self.stats.gun_times_stored += result.guns
        if result.gun_sessions:
            self.hub.guns_stored(result.gun_sessions)  # before any passing timed from them
        if result.stored:
            self.hub.publish(result.stored)

    def _mark_down(self, exc: BaseException) -> None:
        if self.stats.database_up:
            log.error("PostgreSQL unreachable (%s); journaling reads until it is back", exc)
        self.stats.database_up = False
        self._next_retry = trio.current_time() + self.retry_interval

    async def _journal(self, batch: list[Passing]) -> None:
        async with self.journal_lock:
            await trio.to_thread.run_sync(self.journal.append, batch)
        self.resume.note(batch)
        self.stats.journal_backlog = self.journal.backlog

    async def _drain_journal(self, *, force: bool = False) -> None:
        """Replay journal segments oldest first; stop at the first database error."""
        if not force and trio.current_time() < self._next_retry:
            return
        while self.journal.backlog:
            async with self.journal_lock:
                oldest = await trio.to_thread.run_sync(self.journal.read_oldest)
                if oldest is None:
                    break
                path, batches = oldest
                drained = 0
                try:
                    for batch in batches:
                        for start in range(0, len(batch), self.batch_size):
                            chunk = batch[start : start + self.batch_size]
                            result = await write_batch(
                                self.connection,
                                chunk,
                                self.cache,
                                self.touched,
                                expect_new=self.guess.expect_new,
                            )
                            self._committed(result)
                        drained += len(batch)
                except DATABASE_DOWN_ERRORS as exc:
                    self._mark_down(exc)
                    return
                await trio.to_thread.run_sync(self.journal.remove, path, drained)
            self.stats.journal_backlog = self.journal.backlog
        if not self.stats.database_up:
            log.warning("PostgreSQL is back; the journal is replayed")
        self.stats.database_up = True
