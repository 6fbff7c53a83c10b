"""The ingest writer against a real PostgreSQL: whatever it is handed is stored."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import trio

from p88.db.database import open_database
from p88.hub import Hub
from p88.ingest.journal import Journal
from p88.ingest.records import Passing, SessionKey
from p88.ingest.resume import ResumeTracker
from p88.ingest.writer import IngestWriter
from p88.stats import Stats
from tests.conftest import make_config


def passings(first: int, count: int) -> list[Passing]:
    session = SessionKey(1, "WRITER", date(2021, 5, 8), "UTC")
    start = datetime(2021, 5, 8, 8, 0)
    now = datetime.now(UTC)
    return [
        Passing(session, "conn", "FINISH", n, str(n), start + timedelta(seconds=n), 1, "R", 1, now)
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
