"""Start the whole `serve()` inside a test's nursery, on ports chosen by the OS."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Set
from contextlib import asynccontextmanager
from typing import Any

import trio

from p88.app import Running, WebAppFactory, serve
from p88.config import Config
from p88.web.app import create_app


@asynccontextmanager
async def running_server(
    config: Config, web_app: WebAppFactory = create_app
) -> AsyncIterator[Running]:
    async with trio.open_nursery() as nursery:
        running: Running = await nursery.start(
            lambda task_status: serve(
                config, handle_signals=False, task_status=task_status, web_app=web_app
            )
        )
        try:
            yield running
        finally:
            running.shutdown()


async def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Until `predicate()` holds (checked every 20 ms); fails after `timeout` seconds."""
    with trio.fail_after(timeout):
        while not predicate():
            await trio.sleep(0.02)


class LineClient:
    """A bare CTP01 client over a real socket, for conversations written out line by line."""

    def __init__(self, stream: trio.SocketStream) -> None:
        self.stream = stream
        self.buffer = b""

    @classmethod
    async def connect(cls, address: tuple[str, int]) -> LineClient:
        return cls(await trio.open_tcp_stream(*address))

    async def send(self, *lines: str, encoding: str = "utf-8") -> None:
        await self.stream.send_all("".join(line + "\r\n" for line in lines).encode(encoding))

    async def line(self, timeout: float = 5.0) -> str:
        with trio.fail_after(timeout):
            while b"\n" not in self.buffer:
                data = await self.stream.receive_some(65536)
                if not data:
                    raise EOFError("server closed the connection")
                self.buffer += data
        raw, self.buffer = self.buffer.split(b"\n", 1)
        return raw.rstrip(b"\r").decode("utf-8", "replace")

    async def lines(self, count: int) -> list[str]:
        return [await self.line() for _ in range(count)]

    async def closed(self, timeout: float = 5.0) -> bool:
        """True once the server closes the connection (anything it sends first is skipped)."""
        with trio.fail_after(timeout):
            while True:
                try:
                    data = await self.stream.receive_some(65536)
                except trio.BrokenResourceError:
                    return True
                if not data:
                    return True

    async def aclose(self) -> None:
        await self.stream.aclose()


def assert_same_reads(stored: list[tuple[Any, ...]], expected: Set[tuple[Any, ...]]) -> None:
    """Stored rows equal the expected set, with a short message (never a 50,000-line diff)."""
    as_set = set(stored)
    assert len(stored) == len(as_set), f"{len(stored) - len(as_set)} reads stored twice"
    missing, extra = expected - as_set, as_set - expected
    assert not missing and not extra, (
        f"{len(missing)} missing (e.g. {sorted(missing, key=repr)[:3]}), "
        f"{len(extra)} unexpected (e.g. {sorted(extra, key=repr)[:3]})"
    )
