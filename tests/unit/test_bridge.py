"""The asyncio bridge survives errors that no caller is waiting for.

When PostgreSQL stops mid-operation, asyncpg can leave a failed future nobody awaits; asyncio
reports it when the future is collected. trio-asyncio's default turns that report into an
exception that ends the whole server (CI saw it once in the database-restart replay test).
"""

from __future__ import annotations

import asyncio
import gc
import logging

import asyncpg
import pytest
import trio
import trio.testing

from p88.db.pool import open_bridge


def _abandon_failed_future(exc: BaseException) -> None:
    future = asyncio.get_event_loop().create_future()
    future.set_exception(exc)
    del future  # never retrieved: collecting it calls the loop's exception handler
    gc.collect()


async def test_unretrieved_database_error_is_logged_and_the_bridge_keeps_running(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    async with open_bridge():
        _abandon_failed_future(
            asyncpg.exceptions.ConnectionDoesNotExistError(
                "connection was closed in the middle of operation"
            )
        )
        # A re-raise would be a task scheduled into the loop's nursery: let every task run.
        await trio.testing.wait_all_tasks_blocked()
    records = [r for r in caplog.records if r.name == "p88.db.pool"]
    assert [r.levelno for r in records] == [logging.WARNING]
    assert "ConnectionDoesNotExistError" in records[0].getMessage()


async def test_unexpected_unretrieved_error_is_logged_with_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR)
    async with open_bridge():
        _abandon_failed_future(RuntimeError("a bug in a background task"))
        await trio.testing.wait_all_tasks_blocked()
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert errors[0].exc_info is not None
    assert "a bug in a background task" in str(errors[0].exc_info[1])
