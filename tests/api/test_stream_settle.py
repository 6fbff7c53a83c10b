"""The push stream's ordering guarantee on PostgreSQL itself: a read id is settled only once no
read with a lower id can still be stored, whatever order concurrent writers commit in."""

from __future__ import annotations

import trio

from p88.db.api_stream import settled_head
from p88.db.pool import open_bridge, open_pool

INSERT = """
INSERT INTO timing_reads (partner_id, session_id, location_id, tag, local_time, lap, reader_id,
                          gator, sequence, connection_id, received_at)
SELECT 1, s.id, l.id, $1, '2026-05-08 09:00:00', 1, 'A', 1, 1, 'c', now()
FROM timing_sessions s JOIN timing_locations l ON l.session_id = s.id LIMIT 1
RETURNING id
"""


async def test_an_id_waits_for_the_transaction_holding_a_lower_one(dsn: str) -> None:
    async with open_bridge(), open_pool(dsn, max_size=4) as pool:
        async with pool.acquire() as conn:
            await conn.execute(
                "WITH s AS (INSERT INTO timing_sessions (partner_id, event_name, day, timezone,"
                " name) VALUES (1, 'E', '2026-05-08', 'UTC', 'E') RETURNING id)"
                " INSERT INTO timing_locations (partner_id, session_id, name)"
                " SELECT 1, id, 'FINISH' FROM s"
            )
            first = await conn.fetchval(INSERT, "before")
        assert await settled_head(pool) == first
        release = trio.Event()
        order: list[str] = []
        async with pool.acquire() as slow, pool.acquire() as fast:
            async with trio.open_nursery() as nursery:

                async def slow_writer() -> None:
                    async with slow.transaction():
                        low = await slow.fetchval(INSERT, "slow")  # drawn first, committed last
                        order.append(f"low {low}")
                        await release.wait()
                    order.append("low committed")

                nursery.start_soon(slow_writer)
                while not order:
                    await trio.sleep(0.01)
                high = await fast.fetchval(INSERT, "fast")  # committed at once
                settled: list[int] = []

                async def settle() -> None:
                    settled.append(await settled_head(pool))
                    order.append("settled")

                nursery.start_soon(settle)
                await trio.sleep(0.3)
                assert not settled, "settled while a lower id could still be stored"
                release.set()
        assert order == [f"low {first + 1}", "low committed", "settled"]
        assert settled == [high] and high == first + 2


async def test_rolled_back_and_skipped_ids_settle_too(dsn: str) -> None:
    async with open_bridge(), open_pool(dsn, max_size=2) as pool:
        async with pool.acquire() as conn:
            assert await settled_head(pool) == 0  # nothing drawn yet
            for _ in range(3):
                await conn.execute("SELECT nextval('timing_reads_id_seq')")  # never stored
            assert await settled_head(pool) == 3  # drawn and gone: settled
            async with conn.transaction():
                await conn.execute("SELECT nextval('timing_reads_id_seq')")
                with trio.move_on_after(0.3) as waiting:
                    await settled_head(pool)  # the 4th may still be stored: not settled
                assert waiting.cancelled_caught
        assert await settled_head(pool) == 4
