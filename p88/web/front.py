"""A port's front door: p88 accepts every connection itself, reads its first request's head,
and hands it to p88's websocket server (p88.web.push: every websocket upgrade, and the push
addresses) or to Hypercorn (everything else, p88.web.http_handoff).

Each connection runs guarded: whatever fails inside it ends that connection only, never the
port (one malformed request used to restart the whole web server, and on the status port, end
the process). TLS (Hypercorn's certfile/keyfile settings) is terminated here, before the first
line is read, so both paths serve https too.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import trio
from hypercorn.config import Config as HypercornConfig

from p88.live.socket_outbox import NO_FD
from p88.web.fast_pages import FastPages
from p88.web.http_handoff import AsgiApp, HttpConnections, app_lifespan
from p88.web.push.server import PushServer

log = logging.getLogger(__name__)

HEAD_LIMIT = 16 * 1024  # a browser's request head is well under 4 KiB
# What ends a connection from the other side; nothing to report.
CONNECTION_ENDED = (trio.BrokenResourceError, trio.ClosedResourceError, trio.TooSlowError, OSError)


class PrefetchedStream(trio.abc.HalfCloseableStream):
    """A stream whose first bytes were already read: they are received again first. Other
    attributes (the socket, a TLS stream's handshake) are the wrapped stream's. Sends and the
    end-of-file take turns: Hypercorn may close a connection while a response is being sent,
    which the stream would refuse as a conflict."""

    def __init__(self, inner: Any, prefix: bytes) -> None:
        self.inner = inner
        self._prefix = prefix
        self._sending = trio.Lock()

    async def receive_some(self, max_bytes: int | None = None) -> bytes:
        if self._prefix:
            size = len(self._prefix) if max_bytes is None else max_bytes
            data, self._prefix = self._prefix[:size], self._prefix[size:]
            await trio.lowlevel.checkpoint()
            return data
        received: bytes = await self.inner.receive_some(max_bytes)
        return received

    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        async with self._sending:
            await self.inner.send_all(data)

    async def wait_send_all_might_not_block(self) -> None:
        await self.inner.wait_send_all_might_not_block()

    async def send_eof(self) -> None:
        async with self._sending:
            await self.inner.send_eof()

    async def aclose(self) -> None:
        await self.inner.aclose()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


async def read_head(stream: trio.abc.ReceiveStream, wait: float) -> bytes:
    """Bytes up to the end of the first request's head (or what came within `wait`, or the
    first HEAD_LIMIT bytes): enough to tell a websocket upgrade from the rest."""
    data = b""
    with trio.move_on_after(wait):
        while b"\r\n\r\n" not in data and b"\n\n" not in data and len(data) < HEAD_LIMIT:
            chunk = await stream.receive_some(HEAD_LIMIT)
            if not chunk:
                break
            data += chunk
    return data


@dataclass(slots=True)
class FrontDoor:
    """One port: what serves HTTP, what serves push websockets (None: the status port)."""

    http: HttpConnections
    hc: HypercornConfig
    push: PushServer | None
    tls: ssl.SSLContext | None
    pages: FastPages | None = None  # public results pages served from their cache

    async def connection(self, stream: trio.SocketStream, *, secure: bool) -> None:
        peer = _peer(stream)
        try:
            await self._dispatch(stream, secure, peer)
        except CONNECTION_ENDED:
            pass
        except Exception as exc:  # the guard: it ends this connection only
            _report(peer, exc)
        except BaseExceptionGroup as group:  # errors beside a cancellation: report, cancel
            cancelled, rest = group.split(trio.Cancelled)
            if rest is not None:
                _report(peer, rest)
            if cancelled is not None:
                raise cancelled from None
            raise
        finally:
            await trio.aclose_forcefully(stream)

    async def _dispatch(self, stream: trio.SocketStream, secure: bool, peer: str) -> None:
        conversation: Any = stream
        if secure:
            assert self.tls is not None
            conversation = trio.SSLStream(stream, self.tls, server_side=True, https_compatible=True)
            with trio.fail_after(self.hc.ssl_handshake_timeout):
                await conversation.do_handshake()
        head = await read_head(conversation, self.hc.keep_alive_timeout)
        if not head:
            return
        replay = PrefetchedStream(conversation, head)
        if self.push is not None and self.push.wants(head):
            fd = NO_FD if secure else stream.socket.fileno()
            await self.push.serve(replay, fd, peer, "https" if secure else "http")
        elif self.pages is not None and self.pages.wants(head):

            async def to_hypercorn(unread: bytes) -> None:
                await self.http.serve(PrefetchedStream(conversation, unread))

            await self.pages.serve(conversation, head, peer, secure, self.http.serve, to_hypercorn)
        else:
            await self.http.serve(replay)


def _peer(stream: trio.SocketStream) -> str:
    try:
        return str(stream.socket.getpeername()[0])
    except OSError:  # already gone
        return ""


def _report(peer: str, exc: BaseException) -> None:
    """One line a person can act on (the traceback at debug level): these are protocol
    errors a client provoked in the HTTP server, not p88's own (a view's error is a 500)."""
    leaves = _leaves(exc)
    what = "; ".join(f"{type(e).__module__}.{type(e).__qualname__}: {e}" for e in leaves)
    log.warning("a connection from %s ended on an error: %s", peer, what)
    log.debug("the error in detail", exc_info=exc)


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in _leaves(inner)]
    return [exc]


def _tls_context(hc: HypercornConfig) -> ssl.SSLContext | None:
    if not hc.ssl_enabled:
        return None
    context = hc.create_ssl_context()
    assert context is not None  # ssl_enabled says there is one
    # HTTP/1.1 only: a browser on HTTP/2 would open websockets inside it, past the front door.
    context.set_alpn_protocols(["http/1.1"])
    return context


def _listeners(sockets: list[Any], backlog: int) -> list[trio.SocketListener]:
    listeners = []
    for sock in sockets:
        sock.listen(backlog)
        listeners.append(trio.SocketListener(trio.socket.from_stdlib_socket(sock)))
    return listeners


def _url(scheme: str, listener: trio.SocketListener) -> str:
    host, port = listener.socket.getsockname()[:2]
    return f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"


async def serve_port(
    app: AsgiApp,
    hc: HypercornConfig,
    shutdown: trio.Event,
    *,
    push: PushServer | None = None,
    pages: FastPages | None = None,
    task_status: trio.TaskStatus[list[str]] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve `app` (and `push`'s websockets, and `pages` from their cache) until `shutdown` is
    set; report the URLs bound."""
    http = HttpConnections(app, hc)
    door = FrontDoor(http, hc, push, _tls_context(hc), pages)
    async with app_lifespan(app, http.state):
        sockets = hc.create_sockets()
        plain = _listeners(sockets.insecure_sockets, hc.backlog)
        secure = _listeners(sockets.secure_sockets, hc.backlog)
        urls = [_url("https", s) for s in secure] + [_url("http", s) for s in plain]
        async with trio.open_nursery() as connections:
            async with trio.open_nursery() as accepting:
                for listeners, is_secure in ((plain, False), (secure, True)):
                    if listeners:
                        handler: Callable[[trio.SocketStream], Any] = partial(
                            door.connection, secure=is_secure
                        )
                        accepting.start_soon(
                            partial(
                                trio.serve_listeners,
                                handler,
                                listeners,
                                handler_nursery=connections,
                            )
                        )
                task_status.started(urls)
                await shutdown.wait()
                accepting.cancel_scope.cancel()
            if push is not None:
                push.close_all()
            await http.stop_keep_alive()
            connections.cancel_scope.deadline = trio.current_time() + hc.graceful_timeout
