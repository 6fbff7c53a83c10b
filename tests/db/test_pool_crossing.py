"""Several statements in one crossing of the asyncio bridge (p88.db.pool.in_one_crossing)."""

from __future__ import annotations

from typing import Any

import pytest

from p88.db.database import open_database
from p88.db.pool import UniqueViolation, in_one_crossing
from tests.conftest import make_config


@pytest.fixture
async def db(dsn, tmp_path):
    async with open_database(make_config(dsn, tmp_path)) as database:
        yield database


async def _pid_and_sum(raw: Any, a: int, b: int) -> tuple[int, int]:
    pid = await raw.fetchval("SELECT pg_backend_pid()")
    return pid, await raw.fetchval("SELECT $1::int + $2::int", a, b)


async def test_the_statements_run_on_the_proxys_own_connection(db) -> None:
    async with db.pool.acquire() as conn:
        pid, total = await in_one_crossing(conn, _pid_and_sum, 2, 3)
        assert total == 5
        assert pid == await conn.fetchval("SELECT pg_backend_pid()")


async def _insert_twice(raw: Any) -> None:
    async with raw.transaction():
        await raw.execute("INSERT INTO crossing_test VALUES (1)")
        await raw.execute("INSERT INTO crossing_test VALUES (1)")


async def test_an_error_keeps_its_type_and_its_transaction_is_rolled_back(db) -> None:
    async with db.pool.acquire() as conn:
        await conn.execute("CREATE TABLE crossing_test (n integer PRIMARY KEY)")
        with pytest.raises(UniqueViolation):
            await in_one_crossing(conn, _insert_twice)
        assert await conn.fetchval("SELECT count(*) FROM crossing_test") == 0
        # The connection is usable afterwards, outside any transaction.
        await conn.execute("INSERT INTO crossing_test VALUES (2)")
        assert await conn.fetchval("SELECT count(*) FROM crossing_test") == 1
