"""Graceful shutdown on SIGTERM, a second Ctrl-C stopping at once, and `kill -9` in the middle
of a replay losing nothing."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
import trio

from p88.db.pool import connect, open_bridge
from p88.tcp.race_sources import distinct_read_keys, load_21rotm
from p88.tcp.simulator import SimOptions, run_simulation
from tests.system.http import get_json
from tests.system.process import ServeProcess
from tests.system.serving import LineClient, assert_same_reads
from tests.system.test_collector_session import fetch, handshake
from tests.system.test_replay_21rotm import STORED_KEYS

pytestmark = pytest.mark.slow


@pytest.fixture
def serve_process(dsn: str, tmp_path: Path) -> Iterator[ServeProcess]:
    process = ServeProcess(dsn, tmp_path)
    yield process
    process.kill()


async def test_sigterm_stores_what_it_holds_and_exits_0(
    serve_process: ServeProcess, dsn: str
) -> None:
    await serve_process.start()
    client = await LineClient.connect(serve_process.collector)
    await handshake(client)
    await client.send(
        *(
            f"CT01_33~{n}~FINISH~{n}~2021-05-08T09:00:{n % 60:02d}.{n // 60:02d}~1~A~8"
            for n in range(1, 3001)
        )
    )
    with trio.fail_after(30):
        while (await get_json(serve_process.status_url + "/status"))[1]["reads_received"] < 3000:
            await trio.sleep(0.05)
    assert serve_process.process is not None
    serve_process.process.send_signal(signal.SIGTERM)
    assert await serve_process.wait(timeout=20) == 0
    assert await client.closed()
    rows = await fetch(dsn, "SELECT count(*) FROM timing_reads")
    assert rows[0][0] == 3000
    assert "stopped" in serve_process.log.read_text()


async def test_kill_9_mid_replay_then_restart_resumes_and_completes(
    serve_process: ServeProcess, dsn: str
) -> None:
    race = load_21rotm()
    await serve_process.start()
    # Like real middleware, every client stays connected until well after the crash and the
    # restart (CTP01 has no per-read ack: a read the server held in memory when it died is
    # only re-sent because the client reconnects and is resumed from the last stored one).
    options = SimOptions(rate=2500, linger=8.0, retry_seconds=0.2, max_retries=None, deadline=120)

    async def crash_and_restart() -> None:
        await trio.sleep(2.0)
        serve_process.kill()  # SIGKILL: nothing gets to flush
        await trio.sleep(0.5)
        await serve_process.start()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(crash_and_restart)
        report = await run_simulation(*serve_process.collector, race, options)
    assert [f.error for f in report.feeds] == [None] * len(race)
    # Feeds of over 7,000 lines (FINISH1-3, FINISH4, START1) were still streaming at 2 s.
    long_feeds = [f for f, feed in zip(report.feeds, race, strict=True) if feed.read_count > 7000]
    assert len(long_feeds) == 5 and all(f.reconnects >= 1 for f in long_feeds)

    with trio.fail_after(60):
        while True:
            _, status = await get_json(serve_process.status_url + "/status")
            if not status["connections"] and not status["ingest_backlog"]:
                break
            await trio.sleep(0.1)
    rows = [tuple(r) for r in await fetch(dsn, STORED_KEYS)]
    assert_same_reads(rows, distinct_read_keys(race))
    # The restarted server resumed from stored sequences instead of asking for everything.
    assert "resuming" in serve_process.log.read_text()
    assert status["duplicates_dropped"] < 64_990 // 2


async def test_a_second_ctrl_c_stops_at_once_with_a_message(
    serve_process: ServeProcess, dsn: str
) -> None:
    """The first SIGINT starts the graceful shutdown, which waits for ingest to store what it
    holds; with timing_reads locked by another session it cannot. The second stops at once."""
    await serve_process.start()
    assert serve_process.process is not None
    async with open_bridge(), connect(dsn) as holder, holder.transaction():
        await holder.execute("LOCK TABLE timing_reads IN ACCESS EXCLUSIVE MODE")
        client = await LineClient.connect(serve_process.collector)
        await handshake(client)
        await client.send("CT01_33~1~FINISH~1~2021-05-08T09:00:01.00~1~A~8")
        with trio.fail_after(30):  # ingest's batch waits for the lock
            while not await holder.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()"
            ):
                await trio.sleep(0.05)

        serve_process.process.send_signal(signal.SIGINT)
        with trio.fail_after(30):
            while "SIGINT: shutting down (again to stop at once)" not in serve_process.log_text():
                await trio.sleep(0.05)
        assert serve_process.process.poll() is None  # still draining: ingest cannot store

        serve_process.process.send_signal(signal.SIGINT)
        assert await serve_process.wait(timeout=10) == 1
        log = serve_process.log_text()
        assert "second SIGINT: stopping now" in log
        assert "Traceback" not in log
        await client.aclose()
