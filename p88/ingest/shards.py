"""Ingest in parallel shards: each middleware connection id always goes to the same shard.

One serial writer leaves the CPU idle while PostgreSQL inserts a batch and PostgreSQL idle
while the writer prepares the next. Several shards overlap the two. A connection's reads stay
in one shard, in order, because resume points ("everything up to sequence N is stored") are
only true if a connection's batches commit in the order they arrived.

A new connection id goes to the shard with the fewest ids so far, and stays there for the life
of the process: a hash of the id left shards unevenly loaded (bench/RESULTS.md, session 5).
"""

from __future__ import annotations

import trio

from p88.db.pool import Pool
from p88.hub import Hub
from p88.ingest.journal import Journal
from p88.ingest.resume import ResumeTracker
from p88.ingest.writer import IngestWriter
from p88.reads import StampedRead
from p88.stats import Stats

CHANNEL_BATCHES_TOTAL = 64
"""Chunks (one socket read's lines each, up to ~1,000 reads) queued for the database across all
shards: enough to keep the writers' 2,000-read batches full, and no more held in memory (more
bought no reads/s: bench/RESULTS.md, session 7)."""


class Ingest:
    def __init__(
        self,
        pool: Pool,
        journal: Journal,
        hub: Hub,
        stats: Stats,
        resume: ResumeTracker,
        *,
        shards: int = 2,
        batch_size: int = 2000,
        batch_wait: float = 0.001,
    ) -> None:
        journal_lock = trio.Lock()
        shards = max(1, shards)
        self.writers = [
            IngestWriter(
                pool,
                journal,
                hub,
                stats,
                resume,
                batch_size=batch_size,
                batch_wait=batch_wait,
                # The reads held in memory stay bounded by the total, whatever the shard count.
                channel_batches=max(8, CHANNEL_BATCHES_TOTAL // shards),
                journal_lock=journal_lock,
                drains_journal=index == 0,  # one replayer keeps the journal in order
            )
            for index in range(shards)
        ]
        # One entry per middleware connection id seen: a race has one per timing point.
        self._shard_of: dict[str, int] = {}
        self._ids_per_shard = [0] * shards

    def channel_for(self, connection_id: str) -> trio.MemorySendChannel[list[StampedRead]]:
        """The shard channel of this middleware connection id (stable across reconnects)."""
        index = self._shard_of.get(connection_id)
        if index is None:
            index = min(range(len(self.writers)), key=self._ids_per_shard.__getitem__)
            self._shard_of[connection_id] = index
            self._ids_per_shard[index] += 1
        return self.writers[index].send_channel

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Runs until every shard has stored all it was sent and its inputs are closed."""
        async with trio.open_nursery() as nursery:
            for writer in self.writers:
                await nursery.start(writer.run)
            task_status.started()

    async def close_inputs(self) -> None:
        """Close the original channels; each shard ends once its connections' clones close."""
        for writer in self.writers:
            await writer.send_channel.aclose()
