"""HTTP connections handed to Hypercorn one at a time, and the app's ASGI lifespan.

p88 accepts the web and status ports' connections itself (p88.web.front) so that a failure in
one connection ends that connection only: `hypercorn.trio.serve` runs every connection's
handler in one nursery, so an exception escaping any of them (h11's LocalProtocolError on a
malformed websocket upgrade did) ends every connection and the server with them. Each
connection is run by Hypercorn's own connection handler (`TCPServer`, what `serve` runs per
connection). That class is not documented API: hypercorn is pinned exactly, this is the only
module that reaches below `hypercorn.trio.serve`, and tests/system/test_web_front.py drives it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager, suppress
from typing import Any

import trio
from hypercorn.app_wrappers import ASGIWrapper
from hypercorn.config import Config as HypercornConfig
from hypercorn.trio.tcp_server import TCPServer
from hypercorn.trio.worker_context import WorkerContext
from hypercorn.typing import ConnectionState

AsgiApp = Callable[[MutableMapping[str, Any], Any, Any], Awaitable[None]]
LIFESPAN_TIMEOUT = 30.0


class AppStartFailed(Exception):
    """The ASGI app refused to start (its lifespan startup failed)."""


def without_websockets(app: AsgiApp) -> AsgiApp:
    """The app, refusing websocket upgrades: p88.web.push serves every websocket; one that
    reaches Hypercorn came on a reused connection, and its page retries on a new one."""

    async def serve(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "websocket":
            await app(scope, receive, send)
            return
        with suppress(Exception):  # the client may be gone or have broken the protocol
            await send({"type": "websocket.close", "code": 1013})

    return serve


class HttpConnections:
    """Serves HTTP connections of one app, each run by Hypercorn's connection handler."""

    def __init__(self, app: AsgiApp, hc: HypercornConfig) -> None:
        self._app = ASGIWrapper(without_websockets(app))  # type: ignore[arg-type]
        self._hc = hc
        self._context = WorkerContext(None)
        self.state: dict[str, Any] = {}  # the lifespan's state, copied into each connection

    async def serve(self, stream: trio.abc.Stream) -> None:
        """One connection until it closes; the caller guards against what escapes."""
        state = ConnectionState(self.state.copy())  # type: ignore[typeddict-item]
        await TCPServer(self._app, self._hc, self._context, state, stream)  # type: ignore[arg-type]

    async def stop_keep_alive(self) -> None:
        """Shutdown: idle connections close, busy ones after their current response."""
        await self._context.terminated.set()


@asynccontextmanager
async def app_lifespan(app: AsgiApp, state: dict[str, Any]) -> AsyncIterator[None]:
    """Run the app's ASGI lifespan (startup before serving, shutdown after)."""
    to_app, app_inbox = trio.open_memory_channel[dict[str, Any]](2)
    started, stopped = trio.Event(), trio.Event()
    failures: list[str] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        kind = message["type"]
        if kind.endswith(".failed"):
            failures.append(str(message.get("message", "")))
        if kind.startswith("lifespan.startup."):
            started.set()
        elif kind.startswith("lifespan.shutdown."):
            stopped.set()

    async def run_app() -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}}
        scope["state"] = state
        try:
            await app(scope, app_inbox.receive, send)
        finally:
            started.set()
            stopped.set()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(run_app)
        await to_app.send({"type": "lifespan.startup"})
        with trio.fail_after(LIFESPAN_TIMEOUT):
            await started.wait()
        if failures:
            raise AppStartFailed(failures[0] or "the app's start-up failed")
        try:
            yield
        finally:
            with trio.CancelScope(shield=True), trio.move_on_after(LIFESPAN_TIMEOUT):
                await to_app.send({"type": "lifespan.shutdown"})
                await stopped.wait()
            nursery.cancel_scope.cancel()
