"""Row-level security is proven, not assumed: unfiltered queries see one partner only."""

from __future__ import annotations

import pytest

from p88.db.database import open_database
from p88.db.partners import create_partner
from p88.db.tenancy import tenant_transaction
from tests.conftest import make_config

SEED = """
WITH s AS (
    INSERT INTO timing_sessions (partner_id, event_name, day, timezone, name)
    VALUES ($1, $2, '2021-05-08', 'UTC', $2) RETURNING id, partner_id
), l AS (
    INSERT INTO timing_locations (partner_id, session_id, name)
    SELECT partner_id, id, 'FINISH' FROM s RETURNING id, session_id, partner_id
)
INSERT INTO timing_reads (partner_id, session_id, location_id, tag, local_time, lap, reader_id,
                          gator, sequence, connection_id, received_at)
SELECT partner_id, session_id, id, '1', '2021-05-08 08:00:00', 1, 'A', 1, 1, 'c', now() FROM l
"""

TABLES = ["timing_sessions", "timing_locations", "timing_reads", "partners"]


async def test_unfiltered_queries_see_only_the_current_partner(dsn, tmp_path) -> None:
    async with open_database(make_config(dsn, tmp_path)) as db:
        async with db.pool.acquire() as conn:
            a = await create_partner(conn, "alpha", "Alpha Timing")
            b = await create_partner(conn, "bravo", "Bravo Timing")
            await conn.execute(SEED, a.id, "A-RACE")
            await conn.execute(SEED, b.id, "B-RACE")
        for partner in (a, b):
            async with tenant_transaction(db.pool, partner.id) as conn:
                for table in TABLES:
                    column = "id" if table == "partners" else "partner_id"
                    seen = {r[0] for r in await conn.fetch(f"SELECT {column} FROM {table}")}
                    assert seen == {partner.id}, table
                names = {r[0] for r in await conn.fetch("SELECT event_name FROM timing_sessions")}
                assert names == {"A-RACE" if partner is a else "B-RACE"}


async def test_tenant_cannot_write_rows_of_another_partner(dsn, tmp_path) -> None:
    import asyncpg

    async with open_database(make_config(dsn, tmp_path)) as db:
        async with db.pool.acquire() as conn:
            a = await create_partner(conn, "alpha", "Alpha Timing")
            b = await create_partner(conn, "bravo", "Bravo Timing")
            await conn.execute(SEED, b.id, "B-RACE")
        with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
            async with tenant_transaction(db.pool, a.id) as conn:
                await conn.execute(
                    "INSERT INTO timing_sessions (partner_id, event_name, day, timezone, name)"
                    " VALUES ($1, 'X', '2021-01-01', 'UTC', 'X')",
                    b.id,
                )
        async with tenant_transaction(db.pool, a.id) as conn:
            status = await conn.execute("UPDATE timing_reads SET tag = 'stolen'")
            assert status == "UPDATE 0"
            status = await conn.execute("DELETE FROM timing_sessions")
            assert status == "DELETE 0"
        async with db.pool.acquire() as conn:
            assert await conn.fetchval("SELECT count(*) FROM timing_reads WHERE tag = '1'") == 1


async def test_without_a_partner_nothing_is_visible(dsn, tmp_path) -> None:
    async with open_database(make_config(dsn, tmp_path)) as db:
        async with db.pool.acquire() as conn:
            await conn.execute(SEED, 1, "DEFAULT-RACE")
            await conn.execute("SET ROLE p88_tenant")
            try:
                assert await conn.fetchval("SELECT count(*) FROM timing_reads") == 0
            finally:
                await conn.execute("RESET ROLE")
