"""A screen's first frame does not wait for its session's whole history: not for the results
engine (built from every stored read) nor for the passing detector's replay of every read. It
reads the newest reads and the earlier reads of just those runners, and what follows it is
still exact: a read that repeats a passing from long before the hello is no new passing."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import trio

from p88.db.pool import connect, open_bridge, open_pool
from p88.demo import seed_race_display
from p88.live.passings import PassingDetector
from tests.conftest import make_config
from tests.system.serving import LineClient, running_server
from tests.system.test_collector_session import handshake
from tests.system.test_display_push import DAY
from tests.system.wsclient import WsClient

RUNNERS = 4_000
READS_PER_CROSSING = 4
RING = 5
FINISH_AT = datetime(2021, 5, 8, 8, 30)

# Every runner crosses START then FINISH, READS_PER_CROSSING reads each, 0.2 s apart in time;
# finishers 0.3 s apart. Inserted in time order (ids follow), as the collector would.
STORE_READS = """
WITH points AS (
    INSERT INTO timing_locations (partner_id, session_id, name)
    VALUES ($1, $2, 'START'), ($1, $2, 'FINISH') RETURNING id, name
), reads AS (
    SELECT p.id AS location_id, runner::text AS tag,
           CASE p.name WHEN 'START' THEN $3::timestamp + runner * interval '0.05 s'
                ELSE $4::timestamp + runner * interval '0.3 s' END
           + copy * interval '0.2 s' AS local_time, copy
    FROM points p, generate_series(1, $5::int) runner, generate_series(0, $6::int - 1) copy
)
INSERT INTO timing_reads (partner_id, session_id, location_id, tag, local_time, lap, reader_id,
                          gator, sequence, connection_id, received_at)
SELECT $1, $2, location_id, tag, local_time, 1, 'R1', copy, row_number() OVER (ORDER BY local_time),
       'seeded', now()
FROM reads ORDER BY local_time
"""


async def seed(dsn: str) -> tuple[str, int, int]:
    """The default partner's FINISH display of a session holding RUNNERS * 8 stored reads."""
    async with open_bridge(), open_pool(dsn, max_size=1) as pool:
        async with pool.acquire() as conn:
            partner = await conn.fetchval("SELECT id FROM partners WHERE slug = 'default'")
        demo = await seed_race_display(
            pool, partner, event="21ROTM", day=DAY, timezone="UTC", runners=RUNNERS, waves=1
        )
        async with pool.acquire() as conn:
            await conn.execute(
                STORE_READS,
                partner,
                demo.session_id,
                datetime(2021, 5, 8, 8, 0),
                FINISH_AT,
                RUNNERS,
                READS_PER_CROSSING,
            )
            stored = await conn.fetchval(
                "SELECT count(*) FROM timing_reads WHERE session_id = $1", demo.session_id
            )
    return demo.token, demo.session_id, stored


async def newest_passings(dsn: str, session_id: int) -> list[int]:
    """The last RING passings at FINISH, by replaying every stored read (the reference)."""
    async with open_bridge(), connect(dsn) as conn:
        rows = await conn.fetch(
            "SELECT r.id, l.name, r.tag, r.local_time FROM timing_reads r"
            " JOIN timing_locations l ON l.id = r.location_id"
            " WHERE r.session_id = $1 AND l.name = 'FINISH' ORDER BY r.id",
            session_id,
        )
    passings = PassingDetector().feed_many(tuple(row) for row in rows)
    return [p.read_id for p in passings[-RING:]]


async def test_the_first_frame_reads_the_newest_reads_only(dsn: str, tmp_path: Path) -> None:
    token, session_id, stored = await seed(dsn)
    assert stored == RUNNERS * 2 * READS_PER_CROSSING
    expected = await newest_passings(dsn, session_id)
    async with running_server(make_config(dsn, tmp_path)) as running:
        running.hub.ring_size = RING
        async with open_bridge(), connect(dsn) as blocker:
            # The results engine reads gun times to build: it waits while this is held, the
            # first frame does not (today's warm-up read them before its hello).
            await blocker.execute("BEGIN")
            await blocker.execute("LOCK TABLE gun_times IN ACCESS EXCLUSIVE MODE")
            try:
                page = await WsClient.connect(running.web_url, f"/d/{token}/ws")
                with trio.fail_after(20):
                    hello = await page.message(seconds=20)
            finally:
                await blocker.execute("ROLLBACK")
        assert hello["type"] == "hello"
        assert [e["id"] for e in hello["events"]] == expected  # exact, though not replayed
        (feed,) = running.hub._feeds.values()
        assert 0 < feed.first_frame_reads <= stored // 10
        # What follows is exact: runner 1 finished long before the newest reads; a read of
        # theirs two minutes later is no new passing (inside the minimum lap time), while a
        # runner never seen before is one.
        client = await LineClient.connect(running.collector)
        await handshake(client, "FINISH")
        late = (FINISH_AT + timedelta(seconds=0.3, minutes=2)).strftime("%Y-%m-%dT%H:%M:%S.%f")
        await client.send(
            f"CT01_33~1~FINISH~1~{late[:22]}~1~12000C~1",
            f"CT01_33~2~FINISH~{RUNNERS + 1}~{late[:22]}~1~12000C~1",
        )
        message = await page.message(seconds=30)
        assert message["type"] == "passings"
        assert [e["tag"] for e in message["events"]] == [str(RUNNERS + 1)]
        await client.aclose()
        await page.aclose()
