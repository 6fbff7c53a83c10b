"""Tenant-scoped transactions: the application's filters plus row-level security behind them.

Inside `tenant_transaction` the queries run as the `p88_tenant` role with `p88.partner_id` set
for this transaction only, so a query that forgets `WHERE partner_id = ...` still sees only the
current partner's rows (see sql/0002_tenancy.sql). New tenant-owned tables add the same policy.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from p88.db.pool import Connection, Pool

TENANT_ROLE = "p88_tenant"


@asynccontextmanager
async def tenant_transaction(
    pool: Pool, partner_id: int, *, snapshot: bool = False
) -> AsyncIterator[Connection]:
    """`snapshot`: a read-only REPEATABLE READ transaction, so that every query in it sees the
    database as the first one did (a display feed reads a session's history in two steps)."""
    isolation = "repeatable_read" if snapshot else None
    async with pool.acquire() as conn, conn.transaction(isolation=isolation, readonly=snapshot):
        await conn.execute(f"SET LOCAL ROLE {TENANT_ROLE}")
        await conn.execute("SELECT set_config('p88.partner_id', $1, true)", str(partner_id))
        yield conn
