"""The web port's front door: display websockets to p88's own fan-out path, the rest to Hypercorn.

Each new connection's first bytes are peeked at (MSG_PEEK: nothing is consumed). A connection
that opens with `GET /d/<token>/ws` is a display screen, served by p88.web.display_socket, which
lets the hub write frames straight into the socket; that is what makes one process able to feed
thousands of screens. Every other connection goes, untouched, to Hypercorn's own connection
handler, exactly as `hypercorn.trio.serve` would run it (lifespan, keep-alive, graceful close).
Anything ambiguous (a partial first line, a reused connection, TLS) goes to Hypercorn too, where
the Quart route serves display sockets by the same rules, only slower.

This runs Hypercorn's connection handler directly (`hypercorn.trio.tcp_server.TCPServer`, the
same pieces `hypercorn.trio.run.worker_serve` puts together), so hypercorn is pinned exactly and
tests/system/test_web_front.py covers both paths. Shutdown follows Hypercorn's own order: stop
accepting, tell connections the worker is terminating, give them `graceful_timeout` to finish.
"""

from __future__ import annotations

import logging
import re
import socket
from functools import partial
from typing import Any

import trio
from hypercorn.config import Config as HypercornConfig
from hypercorn.trio import serve as hypercorn_serve
from hypercorn.trio.lifespan import Lifespan
from hypercorn.trio.tcp_server import TCPServer
from hypercorn.trio.worker_context import WorkerContext
from hypercorn.typing import ConnectionState, LifespanState
from hypercorn.utils import repr_socket_addr, wrap_app

from p88.web.display_socket import serve_display_socket

log = logging.getLogger(__name__)

DISPLAY_SOCKET = re.compile(rb"GET /d/[A-Za-z0-9_-]{1,100}/ws(?:\?[^ ]*)? HTTP/1\.1\r\n")
PEEK_BYTES = 512


async def is_display_socket(stream: trio.SocketStream, wait: float) -> bool:
    """Whether the connection's first request line asks for a display websocket."""
    with trio.move_on_after(wait):
        try:
            first = await stream.socket.recv(PEEK_BYTES, socket.MSG_PEEK)
        except OSError:  # reset already: Hypercorn will find out and close it
            return False
        return DISPLAY_SOCKET.match(first) is not None
    return False


async def serve_web(
    app: Any,
    hc: HypercornConfig,
    shutdown: trio.Event,
    *,
    task_status: trio.TaskStatus[list[str]] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve the web app until `shutdown` is set; report the URLs bound."""
    if hc.ssl_enabled:
        # Peeking at ciphertext tells nothing: with TLS, Hypercorn serves every connection.
        await hypercorn_serve(app, hc, shutdown_trigger=shutdown.wait, task_status=task_status)
        return
    asgi = wrap_app(app, hc.wsgi_max_body_size, None)
    lifespan_state: LifespanState = {}
    lifespan = Lifespan(asgi, hc, lifespan_state)
    context = WorkerContext(None)

    async def connection(stream: trio.SocketStream) -> None:
        if await is_display_socket(stream, hc.keep_alive_timeout):
            async with stream:
                try:
                    await serve_display_socket(app, stream)
                except (trio.BrokenResourceError, trio.ClosedResourceError, OSError):
                    pass  # the screen went away mid-write; it reconnects by itself
                except Exception:
                    # One screen's bug must not end the web server for everyone.
                    log.exception("a display websocket failed")
        else:
            # Hypercorn's annotation says SSLStream, but it takes plain streams (it checks).
            state = ConnectionState(lifespan_state.copy())
            await TCPServer(asgi, hc, context, state, stream)  # type: ignore[arg-type]

    async with trio.open_nursery() as lifespan_nursery:
        await lifespan_nursery.start(lifespan.handle_lifespan)
        await lifespan.wait_for_startup()
        sockets = hc.create_sockets()
        listeners = []
        for sock in sockets.insecure_sockets:
            sock.listen(hc.backlog)
            listeners.append(trio.SocketListener(trio.socket.from_stdlib_socket(sock)))
        urls = [
            f"http://{repr_socket_addr(s.family, s.getsockname())}"
            for s in sockets.insecure_sockets
        ]
        async with trio.open_nursery() as connections:
            async with trio.open_nursery() as accepting:
                accepting.start_soon(
                    partial(
                        trio.serve_listeners, connection, listeners, handler_nursery=connections
                    )
                )
                task_status.started(urls)
                await shutdown.wait()
                accepting.cancel_scope.cancel()
            await context.terminated.set()
            connections.cancel_scope.deadline = trio.current_time() + hc.graceful_timeout
        await lifespan.wait_for_shutdown()
        lifespan_nursery.cancel_scope.cancel()
