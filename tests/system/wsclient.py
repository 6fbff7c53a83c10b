"""A small websocket client over a real socket (trio + wsproto), for system tests."""

from __future__ import annotations

import json
import ssl
from typing import Any

import trio
from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    CloseConnection,
    Message,
    Ping,
    RejectConnection,
    Request,
    TextMessage,
)


class WsClosed(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"websocket closed {code}: {reason}")
        self.code = code
        self.reason = reason


async def open_stream(url: str, tls: ssl.SSLContext | None = None) -> trio.abc.Stream:
    """A connection to the host of `url` (http/ws or, with `tls`, https/wss)."""
    host, port = url.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)
    stream: trio.abc.Stream = await trio.open_tcp_stream(host, int(port))
    if tls is not None:
        secure = trio.SSLStream(stream, tls, server_hostname=host)
        await secure.do_handshake()
        stream = secure
    return stream


class WsClient:
    def __init__(self, stream: trio.abc.Stream) -> None:
        self.stream = stream
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.pending: list[str] = []
        self._text = ""
        self.closed: WsClosed | None = None

    @classmethod
    async def connect(
        cls,
        web_url: str,
        path: str,
        seconds: float = 10.0,
        cookie: str | None = None,
        headers: dict[str, str] | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> WsClient:
        """`cookie`: a Cookie header value, for the signed-in operators' sockets. A refused
        handshake raises WsClosed with the HTTP status as its code."""
        host_port = web_url.split("://", 1)[1]
        client = cls(await open_stream(web_url, tls))
        extra = [(b"cookie", cookie.encode())] if cookie else []
        extra += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
        request = Request(host=host_port, target=path, extra_headers=extra)
        await client.stream.send_all(client.ws.send(request))
        with trio.fail_after(seconds):
            while True:
                for event in await client._events():
                    if isinstance(event, AcceptConnection):
                        return client
                    if isinstance(event, RejectConnection):
                        raise WsClosed(event.status_code, "rejected")

    async def _events(self) -> list[Any]:
        data = await self.stream.receive_some(65536)
        if not data:
            self.ws.receive_data(None)
        else:
            self.ws.receive_data(bytes(data))
        events = list(self.ws.events())
        for event in events:
            if isinstance(event, Ping):
                await self.stream.send_all(self.ws.send(event.response()))
            elif isinstance(event, TextMessage):
                self._text += event.data
                if event.message_finished:
                    self.pending.append(self._text)
                    self._text = ""
            elif isinstance(event, CloseConnection):
                self.closed = WsClosed(event.code, event.reason or "")
                try:
                    await self.stream.send_all(self.ws.send(event.response()))
                except (trio.BrokenResourceError, trio.ClosedResourceError, OSError):
                    pass
        if not data and self.closed is None:
            self.closed = WsClosed(1006, "connection lost")
        return events

    async def message(self, seconds: float = 10.0) -> dict[str, Any]:
        """The next JSON message (heartbeats skipped); WsClosed if the server closed."""
        with trio.fail_after(seconds):
            while True:
                while self.pending:
                    decoded: dict[str, Any] = json.loads(self.pending.pop(0))
                    if decoded.get("type") != "heartbeat":
                        return decoded
                if self.closed is not None:
                    raise self.closed
                await self._events()

    async def close_code(self, seconds: float = 10.0) -> int:
        """Wait for the server to close; return its code (messages before it are dropped)."""
        with trio.fail_after(seconds):
            while self.closed is None:
                await self._events()
                self.pending.clear()
        return self.closed.code

    async def aclose(self) -> None:
        await self.stream.aclose()


__all__ = ["Message", "WsClient", "WsClosed"]


async def http_get_page(
    url: str, seconds: float = 10.0, tls: ssl.SSLContext | None = None, cookie: str = ""
) -> tuple[int, bytes]:
    """GET over a real socket, reading exactly Content-Length bytes (Hypercorn keeps the
    connection open after a response, so reading to EOF would wait)."""
    host_port, _, path = url.split("://", 1)[1].partition("/")
    with trio.fail_after(seconds):
        stream = await open_stream(url, tls)
        async with stream:
            extra = f"Cookie: {cookie}\r\n" if cookie else ""
            request = (
                f"GET /{path} HTTP/1.1\r\nHost: {host_port}\r\nConnection: close\r\n{extra}\r\n"
            )
            await stream.send_all(request.encode())
            raw = b""
            while b"\r\n\r\n" not in raw:
                raw += await stream.receive_some(65536)
            head, _, body = raw.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            while len(body) < length:
                body += await stream.receive_some(65536)
    return int(lines[0].split()[1]), body
