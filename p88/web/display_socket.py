"""Display websockets served by p88 itself, for the fan-out's sake.

The web port's front door (p88.web.front) hands a connection here when its first request line is
`GET /d/<token>/ws`. wsproto does the handshake and reads what the page sends (close, ping);
after the hello, the hub writes every frame straight into the socket (p88.live.socket_outbox),
so one passing costs one encoding for all screens and one non-blocking write per screen, with no
task switch. The screen's own task only flushes what the kernel did not take at once, sends
heartbeats, and closes the link when the hub, the link's expiry or the page says so.

The rules and messages are the Quart route's (p88.web.display_access), so a page cannot tell
which path served it.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qs

import trio
from wsproto import ConnectionType, WSConnection
from wsproto.connection import ConnectionState
from wsproto.events import AcceptConnection, CloseConnection, Ping, Request
from wsproto.utilities import ProtocolError

from p88.db.pool import DATABASE_DOWN_ERRORS
from p88.hub import FeedUnavailable
from p88.live.feeds import RESYNC
from p88.live.socket_outbox import SocketOutbox
from p88.live.wsframe import text_frame
from p88.web.display_access import (
    GONE,
    HEARTBEAT,
    HEARTBEAT_SECONDS,
    Refusal,
    admit,
    after_of,
    expired,
    expires_at,
    feed_key,
    gone_message,
    hello_message,
    next_wake,
)
from p88.web.services import services_of

log = logging.getLogger(__name__)

MAX_HEAD = 16 * 1024  # a browser's upgrade request is well under 2 KiB
HEAD_TIMEOUT = 10.0
CLOSE_WAIT = 2.0  # how long a closing screen gets to take our last frames and answer the close
HEARTBEAT_FRAME = text_frame(HEARTBEAT)
DATABASE_DOWN = 1011  # "server error": pages retry with backoff

NOT_A_WEBSOCKET = (
    b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Connection: close\r\nContent-Length: %d\r\n\r\n%s"
)
NOT_A_WEBSOCKET_TEXT = (
    b"This address is a display's live connection, for its page only. "
    b"Open the display link itself (/d/<token>) in a browser."
)


async def serve_display_socket(app: Any, stream: trio.SocketStream) -> None:
    """One display websocket, from handshake to close. The caller closes the stream after."""
    ws = WSConnection(ConnectionType.SERVER)
    request = await _handshake(ws, stream)
    if request is None:
        return
    path, _, query = request.target.partition("?")
    token = path.removeprefix("/d/").removesuffix("/ws")
    after = after_of(parse_qs(query).get("after", [""])[0])
    await stream.send_all(ws.send(AcceptConnection()))
    try:
        await _serve_accepted(app, ws, stream, token, after)
    except DATABASE_DOWN_ERRORS as exc:
        # Nothing was written after the handshake (the screen is held until its hello), and
        # the screen is off the hub: the page is told to retry, with backoff, as on 1011.
        log.warning("a display socket could not load its display: %s", exc)
        if ws.state is ConnectionState.OPEN:
            await _close_now(ws, stream, DATABASE_DOWN, "the database is not answering; retrying")


async def _serve_accepted(
    app: Any, ws: WSConnection, stream: trio.SocketStream, token: str, after: int | None
) -> None:
    admitted = await admit(app, token, _peer(stream))
    if isinstance(admitted, Refusal):
        await _close_now(ws, stream, admitted.code, admitted.reason)
        return
    display = admitted
    hub = services_of(app).hub
    screen = SocketOutbox(display.id, stream.socket.fileno())
    try:
        try:
            attached = await hub.attach(
                screen, display.partner_id, display.event_name, feed_key(display), after
            )
        except FeedUnavailable as exc:
            screen.disconnect()
            await _close_now(ws, stream, exc.code, exc.reason)
            return
        try:
            hello = await hello_message(app, display, attached, after is not None)
            screen.open(text_frame(hello))
            await _run(ws, stream, screen, expires_at(display))
        finally:
            hub.detach(attached.feed, screen)
    finally:
        # Before the caller closes the socket: no broadcast may write to its number again.
        screen.disconnect()


def _peer(stream: trio.SocketStream) -> str:
    try:
        return str(stream.socket.getpeername()[0])
    except OSError:  # already gone
        return ""


async def _handshake(ws: WSConnection, stream: trio.SocketStream) -> Request | None:
    """Read the upgrade request; answer 400 to anything that is not a websocket handshake."""
    received = 0
    with trio.move_on_after(HEAD_TIMEOUT):
        while received <= MAX_HEAD:
            data = await stream.receive_some(4096)
            if not data:
                return None
            received += len(data)
            try:
                ws.receive_data(data)
                for event in ws.events():
                    if isinstance(event, Request):
                        return event
            except ProtocolError:
                break
    await stream.send_all(NOT_A_WEBSOCKET % (len(NOT_A_WEBSOCKET_TEXT), NOT_A_WEBSOCKET_TEXT))
    return None


async def _close_now(ws: WSConnection, stream: trio.SocketStream, code: int, reason: str) -> None:
    """Refuse an accepted socket with a code the page acts on; give it a moment to answer."""
    await stream.send_all(ws.send(CloseConnection(code, reason)))
    with trio.move_on_after(CLOSE_WAIT):
        while await stream.receive_some(4096):
            pass


async def _run(
    ws: WSConnection, stream: trio.SocketStream, screen: SocketOutbox, deadline: float | None
) -> None:
    async with trio.open_nursery() as nursery:
        # The page ending the link (close frame, reset, EOF) ends everything here too.
        nursery.start_soon(_read_page, ws, stream, screen, nursery.cancel_scope)
        while not screen.broken:
            with trio.move_on_after(next_wake(deadline)) as idle:
                await screen.wait()
            if screen.close_code is not None:
                await _close(ws, screen, screen.close_code, screen.close_reason)
                break
            if screen.overflowed:
                # Fell behind: the page reconnects at once and resumes from its last event.
                await _close(ws, screen, RESYNC, "resync")
                break
            if expired(deadline):
                await _close(ws, screen, GONE, gone_message("expired"))
                break
            if screen.pending:
                # Bounded, so a screen that stopped reading is still seen to overflow or be
                # closed by the hub; its task is the only one that ever waits on it.
                with trio.move_on_after(HEARTBEAT_SECONDS):
                    await screen.flush()
            elif idle.cancelled_caught:
                screen.write_control(HEARTBEAT_FRAME)
        nursery.cancel_scope.cancel()


async def _close(ws: WSConnection, screen: SocketOutbox, code: int, reason: str) -> None:
    """Send what is pending and a close frame, then wait briefly for the page's answer (the
    reader ends the connection when it comes)."""
    if ws.state is not ConnectionState.OPEN:
        return
    screen.close(code, reason)  # the fan-out puts nothing more after the close frame
    screen.write_control(ws.send(CloseConnection(code, reason)))
    with trio.move_on_after(CLOSE_WAIT):
        await screen.flush()
        await trio.sleep_forever()


async def _read_page(
    ws: WSConnection, stream: trio.SocketStream, screen: SocketOutbox, done: trio.CancelScope
) -> None:
    """The page sends nothing but control frames; answer pings, notice the close."""
    try:
        while True:
            data = await stream.receive_some(65536)
            if not data:
                return
            ws.receive_data(data)
            for event in ws.events():
                if isinstance(event, Ping):
                    screen.write_control(ws.send(event.response()))
                elif isinstance(event, CloseConnection):
                    if ws.state is ConnectionState.REMOTE_CLOSING:
                        screen.write_control(ws.send(event.response()))
                        await screen.flush()
                    return
    except (trio.BrokenResourceError, trio.ClosedResourceError, ProtocolError) as exc:
        log.debug("display socket ended: %s", exc)
    finally:
        done.cancel()
