"""The ingest writer against a real PostgreSQL: whatever it is handed is stored."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import trio

from p88.db.database import open_database
from p88.hub import Hub
from p88.ingest.journal import Journal
from p88.ingest.resume import ResumeTracker
from p88.ingest.writer import IngestWriter
from p88.reads import SessionKey, StampedRead
from p88.stats import Stats
from tests.conftest import make_config


def passings(first: int, count: int) -> list[StampedRead]:
    session = SessionKey(1, "WRITER", date(2021, 5, 8), "UTC")
    start = datetime(2021, 5, 8, 8, 0)
    now = datetime.now(UTC)
    return [
        StampedRead(
            session, "conn", "FINISH", n, str(n), start + timedelta(seconds=n), 1, "R", 1, now
        )
        for n in range(first, first + count)
    ]


async def test_no_batch_is_lost_when_the_journal_wake_up_fires_mid_batch(
    dsn: str, tmp_path: Path
) -> None:
    """The journal replayer wakes up every retry_interval. Here that interval is shorter than
    the time it takes to gather a batch, so every wake-up lands while reads are in hand."""
    async with open_database(make_config(dsn, tmp_path)) as db:
        stats = Stats()
        writer = IngestWriter(
            db.pool,
            Journal(tmp_path / "journal"),
            Hub(),
            stats,
            ResumeTracker(),
            batch_size=10_000,
            batch_wait=0.05,
            retry_interval=0.01,
            drains_journal=True,
        )
        async with trio.open_nursery() as nursery:
            await nursery.start(writer.run)
            async with writer.send_channel:
                for index in range(40):
                    batch = passings(index * 25, 25)
                    stats.ingest_backlog += len(batch)
                    await writer.send_channel.send(batch)
                    await trio.sleep(0.004)
        assert stats.reads_stored == 1000
        assert stats.ingest_backlog == 0
        async with db.pool.acquire() as conn:
            assert await conn.fetchval("SELECT count(*) FROM timing_reads") == 1000


async def test_a_watched_session_gets_every_read_of_a_copied_batch_and_no_other(
    dsn: str, tmp_path: Path
) -> None:
    """A batch large enough for the direct COPY lane, two sessions mixed: the preview of one
    gets exactly that session's reads, as committed, and none of the other's."""
    watched_key = SessionKey(1, "WRITER", date(2021, 5, 8), "UTC")
    other_key = SessionKey(1, "OTHER", date(2021, 5, 8), "UTC")
    async with open_database(make_config(dsn, tmp_path)) as db:
        hub = Hub(buffer_size=5_000)
        stats = Stats()
        writer = IngestWriter(
            db.pool, Journal(tmp_path / "journal"), hub, stats, ResumeTracker(), batch_wait=0.05
        )
        async with trio.open_nursery() as nursery:
            await nursery.start(writer.run)
            await writer.send_channel.send(passings(0, 1))  # creates the watched session
            with trio.fail_after(10):
                while stats.reads_stored < 1:
                    await trio.sleep(0.01)
            async with db.pool.acquire() as conn:
                session_id = await conn.fetchval(
                    "SELECT id FROM timing_sessions WHERE event_name = 'WRITER'"
                )
            preview = hub.subscribe(session_id)
            mixed = [
                p._replace(session=other_key) if p.sequence % 3 == 0 else p
                for p in passings(1, 1500)
            ]
            assert {p.session for p in mixed} == {watched_key, other_key}
            async with writer.send_channel:
                await writer.send_channel.send(mixed)
        assert stats.reads_stored == 1501
        received = []
        while True:
            try:
                received.append(preview.receive.receive_nowait())
            except trio.WouldBlock:
                break
        async with db.pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT id, tag, sequence FROM timing_reads WHERE session_id = $1 AND sequence > 0"
                " ORDER BY sequence",
                session_id,
            )
        expected = [p for p in mixed if p.session == watched_key]
        assert len(rows) == len(expected) == 1000
        assert [(r.id, r.tag, r.sequence) for r in received] == [tuple(row) for row in rows]
        assert {r.session_id for r in received} == {session_id}
