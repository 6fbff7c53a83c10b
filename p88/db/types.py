"""What p88 calls on a database connection, a pool and a result row, as Protocols.

triopg ships no type information, so without these every connection would be `Any` and mypy
would check nothing that crosses the database boundary. They name only the methods p88 uses,
with asyncpg's signatures; `p88.db.pool` hands out triopg objects that have them.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, BinaryIO, Protocol


class Row(Protocol):
    """A result row (asyncpg.Record): a column by name or position; iterating gives values."""

    def __getitem__(self, key: str | int | slice, /) -> Any: ...
    def get(self, key: str, default: Any = None, /) -> Any: ...
    def keys(self) -> Iterator[str]: ...
    def values(self) -> Iterator[Any]: ...
    def items(self) -> Iterator[tuple[str, Any]]: ...
    def __iter__(self) -> Iterator[Any]: ...
    def __len__(self) -> int: ...


class Queries(Protocol):
    """The statements a connection runs, and the pool too (on a connection it borrows)."""

    async def execute(self, query: str, *args: object) -> str: ...
    async def fetch(self, query: str, *args: object) -> list[Row]: ...
    async def fetchrow(self, query: str, *args: object) -> Row | None: ...
    async def fetchval(self, query: str, *args: object) -> Any: ...


class Connection(Queries, Protocol):
    """One connection (triopg's proxy of an asyncpg connection)."""

    def transaction(self) -> AbstractAsyncContextManager[None]: ...

    def cursor(self, query: str, *args: object, prefetch: int | None = None) -> AsyncIterable[Row]:
        """Rows streamed through a server-side cursor; needs a transaction."""
        ...

    async def copy_records_to_table(
        self,
        table_name: str,
        *,
        records: Iterable[Sequence[object]],
        columns: Sequence[str] | None = None,
    ) -> str: ...

    async def copy_to_table(
        self,
        table_name: str,
        *,
        source: AsyncIterable[bytes],
        columns: Sequence[str] | None = None,
        format: str = "text",
        force_null: Sequence[str] | None = None,
    ) -> str:
        """COPY table FROM STDIN, the data from `source`; returns the status ("COPY <rows>")."""
        ...

    async def copy_from_query(
        self, query: str, *args: object, output: BinaryIO, format: str, header: bool
    ) -> str:
        """COPY (query) TO STDOUT into `output`; returns the status ("COPY <rows>")."""
        ...


class ConnectionSource(Protocol):
    """Anything that lends a connection: the pool, or an ingest writer's held connection."""

    def acquire(self) -> AbstractAsyncContextManager[Connection]: ...


class Pool(ConnectionSource, Queries, Protocol):
    """The pool (triopg's proxy of an asyncpg pool)."""
