"""Public results pages served from the page cache by the front door, without Hypercorn and
Quart: the thousandth viewer of a results page costs a dictionary lookup and one write.

The front door (p88.web.front) hands over a connection whose first request is a GET of /r/...
Each request after that is read here:
- a plain GET (HTTP/1.1, printable ASCII headers, no body, no upgrade) of a page that is fresh
  in the cache (p88.web.published.pages) is answered here: 200 with the bytes the view
  rendered, or 304 when If-None-Match names them;
- any other plain GET or HEAD (a page not rendered yet, the page's CSS and script) is lent to
  Hypercorn for that one request (`LentRequest`): it reads the request and writes its response
  to the client, and the connection comes back here for the next one;
- anything else (a body, an upgrade, a malformed head) goes to Hypercorn with the connection,
  that request's bytes included, for the rest of its life.
So every page not yet rendered, every error and every unusual request is Quart's and
Hypercorn's, exactly as without this module.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from email.utils import formatdate
from typing import Any

import h11
import trio

from p88.config import Network
from p88.live.results import ResultsService
from p88.web.auth.headers import security_headers
from p88.web.forwarded import client_of
from p88.web.published import PublicResults
from p88.web.published.pages import Page, accepts_gzip, etag_matches

HEAD_LIMIT = 16 * 1024
_HEADER_LINE = rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+:[ \t\x21-\x7e]*\r\n"
_REQUEST = re.compile(rb"(GET|HEAD) (/[\x21-\x7e]*) HTTP/1\.1\r\n((?:" + _HEADER_LINE + rb")*)\r\n")
# A request carrying any of these is Hypercorn's to understand.
_NOT_PLAIN = frozenset({b"content-length", b"transfer-encoding", b"upgrade", b"expect", b"te"})

Serve = Callable[[trio.abc.Stream], Awaitable[None]]  # Hypercorn on a connection
HandOver = Callable[[bytes], Awaitable[None]]  # Hypercorn on the rest of this one


class FastPages:
    def __init__(
        self,
        public: PublicResults,
        results: ResultsService | None,
        trusted: Sequence[Network],
        keep_alive: float,
    ) -> None:
        self._public = public
        self._results = results
        self._trusted = tuple(trusted)
        self._keep_alive = keep_alive
        self._date = (0, b"")

    @staticmethod
    def wants(head: bytes) -> bool:
        return head.startswith(b"GET /r/")

    async def serve(
        self,
        stream: trio.abc.Stream,
        head: bytes,
        peer: str,
        secure: bool,
        lend: Serve,
        hand_over: HandOver,
    ) -> None:
        """Serve the connection's requests (see the module's docstring); `head` holds what
        was read of it already."""
        buffer = head
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(buffer) > HEAD_LIMIT:
                    break
                data: bytes | bytearray = b""
                with trio.move_on_after(self._keep_alive):
                    data = await stream.receive_some(HEAD_LIMIT)
                if not data:
                    return  # closed, or idle past keep-alive
                buffer += bytes(data)
                continue
            request, buffer = buffer[: end + 4], buffer[end + 4 :]
            parsed = _parse(request)
            if parsed is None:
                buffer = request + buffer
                break
            answer = self.answer(parsed, peer, secure)
            if answer is not None:
                await stream.send_all(answer)
                if parsed.close:
                    return
                continue
            try:
                lent = LentRequest(stream, request, parsed)
            except h11.LocalProtocolError:  # h11 is stricter than the pattern: Hypercorn's
                buffer = request + buffer
                break
            async with trio.open_nursery() as nursery:
                nursery.start_soon(_lend, lend, lent)
                await lent.done.wait()
                nursery.cancel_scope.cancel()
            if not lent.keep or lent.ended or parsed.close:
                return
        await hand_over(buffer)

    def answer(self, request: Parsed, peer: str, secure: bool) -> bytes | None:
        """The response to a plain request from the cache, or None when it is not there."""
        if self._results is None or request.method != b"GET":
            return None
        scheme = "https" if secure else "http"
        if self._trusted:
            pairs = list(request.headers.items())
            scheme = client_of(peer, pairs, self._trusted, scheme).scheme
        key = (request.target, scheme)
        session_id = self._public.pages.session_of(key)
        if session_id is None:
            return None
        loaded = self._results.loaded(session_id)
        page = self._public.pages.fresh(key, None if loaded is None else loaded.version)
        if page is None:
            return None
        gzipped = accepts_gzip(request.headers.get(b"accept-encoding", b"").decode("ascii"))
        body, etag = page.variant(gzipped)
        match = request.headers.get(b"if-none-match")
        if match is not None and etag_matches(match.decode("ascii"), etag):
            return self._head(page, scheme, gzipped, None, request.close)
        return self._head(page, scheme, gzipped, body, request.close) + body

    def _head(
        self, page: Page, scheme: str, gzipped: bool, body: bytes | None, close: bool
    ) -> bytes:
        """The response head: 200 with `body`'s length, or 304 when `body` is None."""
        key = (scheme, gzipped, body is None)
        fixed = page.heads.get(key)
        if fixed is None:
            headers = page.headers(gzipped)
            if body is None:  # a 304 says nothing of a body it does not have
                del headers["Content-Type"]
                headers.pop("Content-Encoding", None)
            headers.update(security_headers(framing=True, https=scheme == "https"))
            fixed = b"".join(f"{k}: {v}\r\n".encode("latin-1") for k, v in headers.items())
            page.heads[key] = fixed
        if body is not None:
            line = b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n" % len(body)
        else:
            line = b"HTTP/1.1 304 Not Modified\r\n"
        ending = b"connection: close\r\n\r\n" if close else b"\r\n"
        return line + fixed + self._date_line() + ending

    def _date_line(self) -> bytes:
        second = int(trio.current_time())
        if self._date[0] != second:
            self._date = (second, f"date: {formatdate(usegmt=True)}\r\n".encode("ascii"))
        return self._date[1]


class Parsed:
    """A plain request head: method, target, headers (lower-case names, repeats joined)."""

    __slots__ = ("close", "headers", "method", "target")

    def __init__(self, method: bytes, target: str, headers: dict[bytes, bytes], close: bool):
        self.method, self.target, self.headers, self.close = method, target, headers, close


def _parse(request: bytes) -> Parsed | None:
    """The head if it is plain (see the module's docstring), else None."""
    found = _REQUEST.fullmatch(request)
    if found is None:
        return None
    headers: dict[bytes, bytes] = {}
    for line in found.group(3).split(b"\r\n")[:-1]:
        name, _, value = line.partition(b":")
        name, value = name.lower(), value.strip(b" \t")
        if name in _NOT_PLAIN:
            return None
        headers[name] = headers[name] + b", " + value if name in headers else value
    connection = headers.get(b"connection", b"keep-alive").lower()
    if b"host" not in headers or connection not in (b"keep-alive", b"close"):
        return None
    return Parsed(found.group(1), found.group(2).decode("ascii"), headers, connection == b"close")


async def _lend(lend: Serve, lent: LentRequest) -> None:
    try:
        await lend(lent)
        lent.ended = True  # Hypercorn ended by itself (it closed the connection): so do we
    finally:
        lent.done.set()


class LentRequest(trio.abc.HalfCloseableStream):
    """The connection lent to Hypercorn for one request: it reads that request and then
    nothing; what it writes goes to the client and through a client-side h11, which says where
    the response ends and whether the connection may be kept. Closing it closes nothing."""

    def __init__(self, inner: trio.abc.Stream, request: bytes, parsed: Parsed) -> None:
        self.inner = inner
        self._unread = request
        self.done = trio.Event()
        self.keep = False  # the response ended and HTTP lets the connection go on
        self.ended = False
        self._reader = h11.Connection(h11.CLIENT)
        self._reader.send(
            h11.Request(
                method=parsed.method, target=parsed.target, headers=list(parsed.headers.items())
            )
        )
        self._reader.send(h11.EndOfMessage())

    async def receive_some(self, max_bytes: int | None = None) -> bytes:
        if self._unread:
            data, self._unread = self._unread, b""
            await trio.lowlevel.checkpoint()
            return data
        await trio.sleep_forever()  # cancelled once the response is out
        raise AssertionError("unreachable")

    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        await self.inner.send_all(data)
        if self.done.is_set():
            return
        try:
            self._reader.receive_data(bytes(data))
            while (event := self._reader.next_event()) is not h11.NEED_DATA:
                if isinstance(event, h11.EndOfMessage):
                    self.keep = self._reader.their_state is h11.DONE
                    self.done.set()
                    return
        except h11.ProtocolError:
            self.done.set()  # keep stays False: the connection ends with this response

    async def wait_send_all_might_not_block(self) -> None:
        await self.inner.wait_send_all_might_not_block()

    async def send_eof(self) -> None:
        await trio.lowlevel.checkpoint()

    async def aclose(self) -> None:
        await trio.lowlevel.checkpoint()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
