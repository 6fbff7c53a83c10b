"""A pool connection an ingest writer keeps from one batch to the next.

Giving a connection back to the asyncpg pool costs a round trip (the pool resets it: advisory
locks, cursors, settings), and taking one can wait behind web requests. An ingest shard writes
a batch every few milliseconds, and that round trip sat between a read's commit and its
appearance on the screens. The writer's statements leave nothing behind to reset (each batch
is one transaction, no session settings), so it keeps its connection. A batch that fails gives
it back (the pool then checks or replaces it), and the writer gives it back when it stops, so
the pool can close.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import trio

from p88.db.pool import Connection, Pool


class HeldConnection:
    """Quacks like the pool for `write_batch`: `acquire()` yields the same connection."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self._lease: AbstractAsyncContextManager[Connection] | None = None
        self._conn: Connection | None = None

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[Connection]:
        if self._conn is None:
            lease = self.pool.acquire()
            self._conn = await lease.__aenter__()
            self._lease = lease
        try:
            yield self._conn
        except BaseException:
            await self.release()
            raise

    async def release(self) -> None:
        """Give the connection back to the pool (it resets it, or drops it if broken)."""
        lease, self._lease, self._conn = self._lease, None, None
        if lease is not None:
            with trio.CancelScope(shield=True):
                await lease.__aexit__(None, None, None)
