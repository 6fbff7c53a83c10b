"""One websocket p88 serves itself, from the handshake to the close.

wsproto speaks the protocol; frames go out through the socket's `SocketOutbox`, which the hub
also writes into directly (one encoding of a broadcast for every screen, one non-blocking write
each). The socket's own task only flushes what the kernel did not take at once, sends
heartbeats, answers pings, and closes when the hub, an expiry or the page says so.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import trio
from wsproto import ConnectionType, WSConnection
from wsproto.connection import ConnectionState
from wsproto.events import (
    AcceptConnection,
    CloseConnection,
    Ping,
    RejectConnection,
    RejectData,
    Request,
)
from wsproto.utilities import ProtocolError

from p88.live.feeds import RESYNC, FeedUnavailable
from p88.live.socket_outbox import SocketOutbox
from p88.live.wsframe import text_frame

log = logging.getLogger(__name__)

MAX_HEAD = 16 * 1024  # a browser's upgrade request is well under 2 KiB
HEAD_TIMEOUT = 10.0
CLOSE_WAIT = 2.0  # how long a closing page gets to take our last frames and answer the close
HEARTBEAT_SECONDS = 10.0  # lets a page tell a quiet race from a dead link
HEARTBEAT_FRAME = text_frame(json.dumps({"type": "heartbeat"}))
# What a peer that went away (or broke the protocol) makes a read or write raise.
PEER_GONE = (trio.BrokenResourceError, trio.ClosedResourceError, ProtocolError)
# What a malformed handshake can raise inside wsproto besides its own ProtocolError.
BAD_HANDSHAKE = (ProtocolError, UnicodeError, ValueError)

T = TypeVar("T")

NOT_A_WEBSOCKET = (
    b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Connection: close\r\nContent-Length: %d\r\n\r\n%s"
)
NOT_A_WEBSOCKET_TEXT = (
    b"This address is a live connection (websocket) for a p88 page, not a page itself. "
    b"Open the page that uses it in a browser (a display link is /d/<token>)."
)


class Expiry:
    """When a socket must close by itself (a display link's expiry), and with what."""

    def __init__(self, at: float, code: int, reason: str) -> None:
        self.at, self.code, self.reason = at, code, reason


class PushSocket:
    def __init__(self, stream: trio.abc.Stream, fd: int, peer: str) -> None:
        self.ws = WSConnection(ConnectionType.SERVER)
        self.stream = stream
        self.peer = peer
        self.outbox = SocketOutbox(0, fd, stream)

    # ----------------------------------------------------------------- opening
    async def handshake(self) -> Request | None:
        """Read the upgrade request; answer 400 to anything that is not a websocket handshake."""
        received = 0
        with trio.move_on_after(HEAD_TIMEOUT):
            while received <= MAX_HEAD:
                data = await self.stream.receive_some(4096)
                if not data:
                    return None
                received += len(data)
                try:
                    self.ws.receive_data(bytes(data))
                    for event in self.ws.events():
                        if isinstance(event, Request):
                            return event
                except BAD_HANDSHAKE:
                    break
        body = NOT_A_WEBSOCKET_TEXT
        await self.stream.send_all(NOT_A_WEBSOCKET % (len(body), body))
        return None

    async def accept(self) -> None:
        await self.stream.send_all(self.ws.send(AcceptConnection()))

    async def reject(self, status: int, message: str) -> None:
        """Refuse the upgrade with an HTTP status (401, 403, 404) and a JSON error."""
        body = json.dumps({"error": message}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        head = self.ws.send(RejectConnection(status_code=status, headers=headers, has_body=True))
        await self.stream.send_all(head + self.ws.send(RejectData(data=body)))

    async def refuse(self, code: int, reason: str) -> None:
        """Close an accepted socket at once with a code the page acts on; before `start` only."""
        await self.stream.send_all(self.ws.send(CloseConnection(code, reason)))
        with trio.move_on_after(CLOSE_WAIT):
            while await self.stream.receive_some(4096):
                pass

    async def attach(self, attaching: Awaitable[T]) -> T | None:
        """What `attaching` (joining this socket's outbox to a feed) gives; None when the feed
        cannot be served now, after refusing the socket with the code the page retries on."""
        try:
            return await attaching
        except FeedUnavailable as exc:
            self.outbox.disconnect()
            await self.refuse(exc.code, exc.reason)
            return None

    def start(self, hello: str | None = None) -> None:
        """Write the first message; frames the hub put meanwhile follow it."""
        self.outbox.open(text_frame(hello) if hello is not None else b"")

    def send(self, message: str) -> None:
        """One text message, in order behind everything already sent; never waits."""
        self.outbox.write_control(text_frame(message))

    # ----------------------------------------------------------------- running
    async def run(
        self,
        *,
        expiry: Expiry | None = None,
        produce: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """Until the page, the hub, `expiry` or a fall behind ends it. `produce` (if given)
        sends the socket's own messages meanwhile and is cancelled when it ends."""
        async with trio.open_nursery() as nursery:
            # The page ending the link (close frame, reset, EOF) ends everything here too.
            nursery.start_soon(self._read_page, nursery.cancel_scope)
            if produce is not None:
                nursery.start_soon(produce)
            await self._pump(expiry)
            nursery.cancel_scope.cancel()

    def close_soon(self, code: int, reason: str) -> None:
        """Ask the running socket to close (server shutdown)."""
        self.outbox.close(code, reason)

    async def _pump(self, expiry: Expiry | None) -> None:
        outbox = self.outbox
        while not outbox.broken:
            with trio.move_on_after(_next_wake(expiry)) as idle:
                await outbox.wait()
            if outbox.close_code is not None:
                await self._close(outbox.close_code, outbox.close_reason)
                return
            if outbox.overflowed:
                # Fell behind: the page reconnects at once and resumes from its last event.
                await self._close(RESYNC, "resync")
                return
            if expiry is not None and trio.current_time() >= expiry.at:
                await self._close(expiry.code, expiry.reason)
                return
            if outbox.pending:
                # Bounded, so a page that stopped reading is still seen to overflow or be
                # closed by the hub; this task is the only one that ever waits on it.
                with trio.move_on_after(HEARTBEAT_SECONDS):
                    await outbox.flush()
            elif idle.cancelled_caught:
                outbox.write_control(HEARTBEAT_FRAME)

    async def _close(self, code: int, reason: str) -> None:
        """Send what is pending and a close frame, then wait briefly for the page's answer
        (the reader ends the connection when it comes)."""
        if self.ws.state is not ConnectionState.OPEN:
            return
        self.outbox.close(code, reason)  # the fan-out puts nothing more after the close frame
        self.outbox.write_control(self.ws.send(CloseConnection(code, reason)))
        with trio.move_on_after(CLOSE_WAIT):
            await self.outbox.flush()
            await trio.sleep_forever()

    async def _read_page(self, done: trio.CancelScope) -> None:
        """Pages send nothing but control frames; answer pings, notice the close."""
        try:
            while True:
                data = await self.stream.receive_some(65536)
                if not data:
                    return
                self.ws.receive_data(bytes(data))
                for event in self.ws.events():
                    if isinstance(event, Ping):
                        self.outbox.write_control(self.ws.send(event.response()))
                    elif isinstance(event, CloseConnection):
                        if self.ws.state is ConnectionState.REMOTE_CLOSING:
                            self.outbox.write_control(self.ws.send(event.response()))
                            await self.outbox.flush()
                        return
        except (trio.BrokenResourceError, trio.ClosedResourceError, ProtocolError) as exc:
            log.debug("websocket from %s ended: %s", self.peer, exc)
        finally:
            done.cancel()


def _next_wake(expiry: Expiry | None) -> float:
    """Seconds until the next heartbeat or the expiry, whichever comes first."""
    if expiry is None:
        return HEARTBEAT_SECONDS
    return min(HEARTBEAT_SECONDS, max(0.0, expiry.at - trio.current_time()))
