"""How an ingest writer forms batches. At a live race's pace it takes what is queued and goes, so
a read that arrives alone is written at once. Once batches are big (reads pour in), it waits up
to batch_wait for more, which makes the next round trip carry more reads."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import trio

from p88.hub import Hub
from p88.ingest.journal import Journal
from p88.ingest.resume import ResumeTracker
from p88.ingest.writer import BUSY_BATCH, IngestWriter
from p88.reads import SessionKey, StampedRead
from p88.stats import Stats

SESSION = SessionKey(1, "GATHER", date(2021, 5, 8), "UTC")


def chunk(first: int, count: int) -> list[StampedRead]:
    start = datetime(2021, 5, 8, 8, 0)
    now = datetime.now(UTC)
    return [
        StampedRead(
            SESSION, "conn", "FINISH", n, str(n), start + timedelta(seconds=n), 1, "R", 1, now
        )
        for n in range(first, first + count)
    ]


def writer(tmp_path: Path, **options: float) -> IngestWriter:
    # The pool is never touched: only the gathering of batches runs here.
    journal = Journal(tmp_path / "journal")
    return IngestWriter(
        None, journal, Hub(), Stats(), ResumeTracker(), drains_journal=False, **options
    )


async def test_by_default_a_batch_is_what_is_queued_and_nothing_waits(
    tmp_path: Path, autojump_clock: trio.abc.Clock
) -> None:
    """On the virtual clock, any wait at all would move time forward."""
    ingest = writer(tmp_path)
    for index in range(3):
        ingest.send_channel.send_nowait(chunk(index * 10, 10))
    started = trio.current_time()
    batch = await ingest._gather()
    assert batch is not None
    assert [p.sequence for p in batch] == list(range(30))
    later = chunk(30, 1)

    async def arrive_later() -> None:
        await trio.sleep(0.2)
        ingest.send_channel.send_nowait(later)

    async with trio.open_nursery() as nursery:
        ingest.send_channel.send_nowait(chunk(40, 1))
        nursery.start_soon(arrive_later)
        alone = await ingest._gather()
        assert alone is not None and [p.sequence for p in alone] == [40]
        assert trio.current_time() == started  # no batch waited, not even a millisecond
    assert await ingest._gather() == later


async def test_once_reads_pour_in_a_batch_waits_for_more(
    tmp_path: Path, autojump_clock: trio.abc.Clock
) -> None:
    ingest = writer(tmp_path, batch_wait=5.0, batch_size=BUSY_BATCH + 11)
    ingest.send_channel.send_nowait(chunk(0, BUSY_BATCH + 11))
    assert len(await ingest._gather() or []) == BUSY_BATCH + 11  # full: no wait needed

    async def arrive_soon() -> None:
        await trio.sleep(0.05)
        ingest.send_channel.send_nowait(chunk(1000, 11))

    async with trio.open_nursery() as nursery:
        ingest.send_channel.send_nowait(chunk(500, BUSY_BATCH))
        nursery.start_soon(arrive_soon)
        batch = await ingest._gather()
        # The previous batch was big, so this one waited and took the later chunk too; it
        # closed when full, long before the wait ran out.
        assert batch is not None and len(batch) == BUSY_BATCH + 11
        assert 0.05 <= trio.current_time() < 5.0


async def test_the_wait_stops_once_batches_are_small_again(
    tmp_path: Path, autojump_clock: trio.abc.Clock
) -> None:
    ingest = writer(tmp_path, batch_wait=0.5)
    ingest.send_channel.send_nowait(chunk(0, BUSY_BATCH))
    await ingest._gather()
    began = trio.current_time()
    ingest.send_channel.send_nowait(chunk(500, 5))
    assert len(await ingest._gather() or []) == 5
    assert trio.current_time() - began == 0.5  # after a big batch: waited its batch_wait
    ingest.send_channel.send_nowait(chunk(600, 5))
    assert len(await ingest._gather() or []) == 5
    assert trio.current_time() - began == 0.5  # after a small one: went at once
