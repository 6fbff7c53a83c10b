"""The batching writer: one ingest shard's task. Reads from its connections -> batches ->
PostgreSQL (p88.ingest.batch) -> the hub; the journal while PostgreSQL is down.

One task owns the shard's database writes and its journal appends, so the order of reads is
kept and there is no race between spilling to the journal and replaying it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

import trio

from p88.db.pool import DATABASE_DOWN_ERRORS, Pool
from p88.hub import Hub
from p88.ingest.batch import WriteResult, write_batch
from p88.ingest.direct_copy import NewReadsGuess
from p88.ingest.held import HeldConnection
from p88.ingest.journal import Journal
from p88.ingest.points import IdCache
from p88.ingest.resume import ResumeTracker
from p88.reads import StampedRead
from p88.stats import Stats

log = logging.getLogger(__name__)

BUSY_BATCH = 100
"""A batch at least this big means reads arrive faster than they can go one by one."""


def latencies_ms(batch: Sequence[StampedRead], committed_at: float) -> list[float]:
    """Socket read -> commit of each read. The reads of one socket read share their
    received_at object, so its timestamp is computed once per chunk, not per read."""
    result: list[float] = []
    received = None
    latency = 0.0
    for p in batch:
        if p.received_at is not received:
            received = p.received_at
            latency = (committed_at - received.timestamp()) * 1000
        result.append(latency)
    return result


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
        self.send_channel, self._receive = trio.open_memory_channel[list[StampedRead]](
            channel_batches
        )
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

    async def _gather(self) -> list[StampedRead] | None:
        """Wait for reads, then take whatever else is queued (up to batch_size, batch_wait).
        Returns [] when it is time to retry the journal, None when the channel is closed."""
        try:
            if self.drains_journal:
                # Wake up now and then: another shard may have journaled in the meantime.
                # Only the wait for the first reads is cut short (a cancelled receive loses
                # nothing); once reads are in hand they are always kept.
                first: list[StampedRead] | None = None
                with trio.move_on_after(self.retry_interval):
                    first = await self._receive.receive()
                if first is None:
                    return []
                return await self._fill(list(first))
            return await self._fill(list(await self._receive.receive()))
        except trio.EndOfChannel:
            return None

    async def _fill(self, batch: list[StampedRead]) -> list[StampedRead]:
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

    async def _store(self, batch: list[StampedRead]) -> None:
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

    async def _journal(self, batch: list[StampedRead]) -> None:
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
