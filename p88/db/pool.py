"""The one module that imports triopg and trio_asyncio: it opens the asyncio bridge and the pool.

Order matters: the trio-asyncio loop first, then the pool, then the caller's nursery; the
reverse hangs on exit.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar, cast

import asyncpg
import trio
import trio_asyncio
import triopg

from p88.db.types import Connection as Connection
from p88.db.types import ConnectionSource as ConnectionSource
from p88.db.types import Pool as Pool
from p88.db.types import Queries
from p88.db.types import Row as Row

log = logging.getLogger(__name__)

# Raised when PostgreSQL is stopped, restarting or unreachable: ingest journals instead.
DATABASE_DOWN_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    asyncpg.exceptions.InterfaceError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.ConnectionFailureError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    ConnectionError,
    TimeoutError,
    # When the server goes away mid-transaction, the ROLLBACK on the dead connection fails
    # with this client-state error, which then hides the connection error itself.
    asyncpg.exceptions.InternalClientError,
)


T = TypeVar("T")


async def in_one_crossing(
    conn: Connection, statements: Callable[..., Awaitable[T]], *args: Any
) -> T:
    """`await statements(raw, *args)` on the asyncio side, with `raw` the asyncpg connection
    behind the triopg proxy `conn`: several statements for one crossing of the bridge.

    Each triopg call crosses from Trio into the asyncio loop and back on its own, and under
    load every crossing waits behind the collector's other tasks; within one asyncio
    coroutine the statements follow one another as PostgreSQL answers (bench/RESULTS.md,
    session 6). `statements` must be an asyncio coroutine function using the raw asyncpg
    API."""
    # triopg 0.6 (pinned) has no public way to the asyncpg connection behind its proxy.
    raw = cast(Any, conn)._asyncpg_conn
    result: T = await trio_asyncio.aio_as_trio(statements)(raw, *args)
    return result


async def ping(database: Queries) -> None:
    """Raise unless PostgreSQL answers a trivial query (on a connection, or the pool's)."""
    await database.fetchval("SELECT 1")


def is_database_down(exc: BaseException) -> bool:
    return isinstance(exc, DATABASE_DOWN_ERRORS)


PostgresError = asyncpg.exceptions.PostgresError
UniqueViolation = asyncpg.exceptions.UniqueViolationError
DeadlockDetected = asyncpg.exceptions.DeadlockDetectedError
ForeignKeyViolation = asyncpg.exceptions.ForeignKeyViolationError


@asynccontextmanager
async def open_pool(
    dsn: str,
    *,
    min_size: int = 1,
    max_size: int = 10,
    user: str | None = None,
    password: str | None = None,
) -> AsyncIterator[Pool]:
    """An asyncpg pool (triopg proxy). Needs the bridge open (`open_bridge`). `user` and
    `password`, when given, replace the DSN's (the ask pool logs in as its own role)."""
    pool = triopg.create_pool(
        dsn,
        user=user,
        password=password,
        min_size=min_size,
        max_size=max_size,
        timeout=5,  # connecting to a stopped server must fail fast, not hang ingest
        command_timeout=60,
        max_inactive_connection_lifetime=60,
    )
    async with pool:
        yield pool


@asynccontextmanager
async def connect(dsn: str) -> AsyncIterator[Connection]:
    """One connection outside any pool (migrations, CLI commands). Needs the bridge open."""
    async with triopg.connect(dsn, timeout=10) as conn:
        yield conn


@asynccontextmanager
async def open_bridge() -> AsyncIterator[None]:
    """The asyncio loop asyncpg runs on, inside the caller's Trio task tree."""
    async with trio_asyncio.open_loop() as loop:
        loop.set_exception_handler(log_background_error)
        yield


def log_background_error(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Log an error no caller is waiting for; never tear the process down for it.

    trio-asyncio's own handler re-raises such an error in the loop's nursery, which ends the
    whole server. When PostgreSQL stops in the middle of an operation whose caller has already
    been cancelled, asyncpg leaves exactly such a future behind ("Future exception was never
    retrieved"). The caller that mattered has already seen the failure and is journaling, so
    the leftover is logged, not fatal.
    """
    exc = context.get("exception")
    if exc is not None and is_database_down(exc):
        log.warning("asyncio: %s: %r", context.get("message", "background error"), exc)
        return
    # Anything else is unexpected: log it with its traceback, as plain asyncio would.
    asyncio.BaseEventLoop.default_exception_handler(loop, context)  # type: ignore[arg-type]


async def wait_until_reachable(dsn: str, *, attempts: int = 50, delay: float = 0.2) -> None:
    """Retry connecting until the server answers (it may still be starting up)."""
    last: BaseException | None = None
    for _ in range(attempts):
        try:
            async with connect(dsn) as conn:
                await ping(conn)
                return
        except DATABASE_DOWN_ERRORS as exc:
            last = exc
            await trio.sleep(delay)
    raise RuntimeError(f"PostgreSQL at {redact(dsn)} did not answer: {last}")


def redact(dsn: str) -> str:
    """The DSN without its password, for messages and logs."""
    if "@" not in dsn or "://" not in dsn:
        return dsn
    scheme, rest = dsn.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in creds else dsn
