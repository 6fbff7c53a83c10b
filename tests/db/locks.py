"""Waiting for a database session to wait on a lock: how a test knows a concurrent statement
has reached the row another transaction holds (instead of sleeping and hoping it has)."""

from __future__ import annotations

import trio

from p88.db.pool import ConnectionSource


async def sessions_waiting_on_a_lock(source: ConnectionSource, count: int = 1) -> None:
    """Until `count` sessions of this database wait on a lock (fails after 10 s)."""
    with trio.fail_after(10):
        while True:
            async with source.acquire() as conn:
                waiting = await conn.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"
                )
            if waiting >= count:
                return
            await trio.sleep(0.02)
