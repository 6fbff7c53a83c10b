"""Acceptance: the real 21ROTM race through `p88 simulate`'s client, with every kind of trouble.

64,990 observations from 10 controllers, replayed over 10 concurrent connections, must leave
exactly the distinct reads by the dedup key, each under the right location, however often they
are resumed, rewound, or interrupted by PostgreSQL going away.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import trio

from p88.app import Running
from p88.tcp.race_sources import PointFeed, distinct_read_keys, load_21rotm, total_reads
from p88.tcp.simulator import SimOptions, run_simulation
from tests.conftest import make_config
from tests.system.own_postgres import OwnPostgres
from tests.system.serving import assert_same_reads, running_server
from tests.system.test_collector_session import fetch

pytestmark = pytest.mark.slow

STORED_KEYS = """
SELECT s.event_name, l.name, r.tag, r.local_time, r.reader_id, r.gator
FROM timing_reads r JOIN timing_sessions s ON s.id = r.session_id
JOIN timing_locations l ON l.id = r.location_id
"""

FAST = SimOptions(speed=0, linger=0.3, retry_seconds=0.2, max_retries=100)


@pytest.fixture(scope="module")
def race() -> list[PointFeed]:
    return load_21rotm()


async def stored_keys(dsn: str) -> list[tuple[object, ...]]:
    return [tuple(row) for row in await fetch(dsn, STORED_KEYS)]


async def settled(running: Running) -> None:
    """Wait until every connection has ended and all it sent is committed."""
    with trio.fail_after(60):
        while (
            running.stats.connections
            or running.stats.ingest_backlog
            or running.stats.journal_backlog
        ):
            await trio.sleep(0.05)


async def assert_stored_exactly(dsn: str, race: list[PointFeed]) -> None:
    assert_same_reads(await stored_keys(dsn), distinct_read_keys(race))


async def test_race_facts(race: list[PointFeed]) -> None:
    assert len(race) == 10
    assert total_reads(race) == 64_990


@pytest.mark.expect_log_errors(r"p88.ingest.writer: PostgreSQL unreachable .*journaling reads")
async def test_replay_resume_rewind_and_database_restart_store_each_read_once(
    race: list[PointFeed], own_postgres: OwnPostgres, tmp_path: Path
) -> None:
    async with running_server(make_config(own_postgres.dsn, tmp_path)) as running:
        host, port = running.collector

        report = await run_simulation(host, port, race, FAST)
        assert [f.error for f in report.feeds] == [None] * 10
        assert sum(f.sent_reads for f in report.feeds) == 64_990
        await settled(running)
        await assert_stored_exactly(own_postgres.dsn, race)
        stored = running.stats.reads_stored

        # A forced disconnect in the middle of every stream, then resume.
        resumed = await run_simulation(
            host, port, race, dataclasses.replace(FAST, client_id="other", disconnect_after=700)
        )
        assert all(f.reconnects >= 1 for f in resumed.feeds)
        # A full rewind: SimpleClient replays the whole session on the same connection.
        await run_simulation(host, port, race, dataclasses.replace(FAST, rewind=True))
        await settled(running)
        await assert_stored_exactly(own_postgres.dsn, race)
        assert running.stats.reads_stored == stored

        # PostgreSQL stops in the middle of a replay and comes back.
        received_before = running.stats.reads_received

        async def bounce_database() -> None:
            # Stop the database once reads are flowing, so it lands mid-stream however fast
            # or slow this machine is.
            while running.stats.reads_received < received_before + 2000:
                await trio.sleep(0.01)
            await trio.to_thread.run_sync(own_postgres.stop)
            # Down until ingest has journaled reads it could not store.
            with trio.fail_after(60):
                while not running.stats.journal_backlog:
                    await trio.sleep(0.01)
            await trio.to_thread.run_sync(own_postgres.start)

        peak_journal = 0

        async def watch_journal() -> None:
            nonlocal peak_journal
            while True:
                peak_journal = max(peak_journal, running.stats.journal_backlog)
                await trio.sleep(0.01)

        async with trio.open_nursery() as watchers:
            watchers.start_soon(watch_journal)
            async with trio.open_nursery() as nursery:
                nursery.start_soon(bounce_database)
                await run_simulation(
                    # A steady 3,000 lines/s per connection: the bounce lands mid-stream.
                    host,
                    port,
                    race,
                    dataclasses.replace(FAST, client_id="third", rate=3000),
                )
            watchers.cancel_scope.cancel()
        assert peak_journal > 0, "the database stop did not land during the replay"
        await settled(running)
        await assert_stored_exactly(own_postgres.dsn, race)
