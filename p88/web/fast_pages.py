"""Public results pages served from the page cache by the front door, without Hypercorn and
Quart: the thousandth viewer of a results page costs a dictionary lookup and one write.

The front door (p88.web.front) hands over a connection whose first request is a GET of /r/...
Each request that is plain (GET, HTTP/1.1, printable ASCII headers, no body, no upgrade) and
whose page is fresh in the cache (p88.web.published.pages) is answered here: 200 with the
bytes the view rendered, or 304 when If-None-Match names them. At the first request that is
anything else, the connection, that request's bytes included, goes to Hypercorn for the rest of
its life, so every page not yet rendered, every error and every unusual request is Quart's.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from email.utils import formatdate

import trio

from p88.config import Network
from p88.live.results import ResultsService
from p88.web.auth.headers import security_headers
from p88.web.forwarded import client_of
from p88.web.published import PublicResults
from p88.web.published.pages import Page, etag_matches

HEAD_LIMIT = 16 * 1024
_HEADER_LINE = rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+:[ \t\x21-\x7e]*\r\n"
_REQUEST = re.compile(rb"GET (/r/[\x21-\x7e]*) HTTP/1\.1\r\n((?:" + _HEADER_LINE + rb")*)\r\n")
# A request carrying any of these is Hypercorn's to understand.
_NOT_PLAIN = frozenset({b"content-length", b"transfer-encoding", b"upgrade", b"expect", b"te"})

Fallback = Callable[[bytes], Awaitable[None]]


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
        self, stream: trio.abc.Stream, head: bytes, peer: str, secure: bool, fallback: Fallback
    ) -> None:
        """Answer the connection's requests while they are cache hits; `head` holds what was
        read of it already. `fallback(unread)` hands the connection to Hypercorn."""
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
            answer = self.answer(buffer[: end + 4], peer, secure)
            if answer is None:
                break
            response, close = answer
            buffer = buffer[end + 4 :]
            await stream.send_all(response)
            if close:
                return
        await fallback(buffer)

    def answer(self, request: bytes, peer: str, secure: bool) -> tuple[bytes, bool] | None:
        """The response to one request head and whether to close after it; None: not ours."""
        found = _REQUEST.fullmatch(request)
        if found is None or self._results is None:
            return None
        headers = _headers(found.group(2))
        if headers is None or b"host" not in headers:
            return None
        connection = headers.get(b"connection", b"keep-alive").lower()
        if connection not in (b"keep-alive", b"close"):
            return None
        scheme = "https" if secure else "http"
        if self._trusted:
            pairs = list(headers.items())
            scheme = client_of(peer, pairs, self._trusted, scheme).scheme
        key = (found.group(1).decode("ascii"), scheme)
        session_id = self._public.pages.session_of(key)
        if session_id is None:
            return None
        loaded = self._results.loaded(session_id)
        page = self._public.pages.fresh(key, None if loaded is None else loaded.version)
        if page is None:
            return None
        close = connection == b"close"
        match = headers.get(b"if-none-match")
        if match is not None and etag_matches(match.decode("ascii"), page.etag):
            return self._head(page, scheme, 304, close), close
        return self._head(page, scheme, 200, close) + page.body, close

    def _head(self, page: Page, scheme: str, status: int, close: bool) -> bytes:
        fixed = page.heads.get(scheme)
        if fixed is None:
            headers = {**page.headers(), **security_headers(framing=True, https=scheme == "https")}
            fixed = b"".join(f"{k}: {v}\r\n".encode("latin-1") for k, v in headers.items())
            page.heads[scheme] = fixed
        if status == 200:
            line = b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n" % len(page.body)
        else:
            line = b"HTTP/1.1 304 Not Modified\r\n"  # no length: a 304 has no body
        ending = b"connection: close\r\n\r\n" if close else b"\r\n"
        return line + fixed + self._date_line() + ending

    def _date_line(self) -> bytes:
        second = int(trio.current_time())
        if self._date[0] != second:
            self._date = (second, f"date: {formatdate(usegmt=True)}\r\n".encode("ascii"))
        return self._date[1]


def _headers(block: bytes) -> dict[bytes, bytes] | None:
    """Header lines as lower-case names -> values (repeats joined), or None if the request is
    one to leave to Hypercorn."""
    headers: dict[bytes, bytes] = {}
    for line in block.split(b"\r\n")[:-1]:
        name, _, value = line.partition(b":")
        name, value = name.lower(), value.strip(b" \t")
        if name in _NOT_PLAIN:
            return None
        headers[name] = headers[name] + b", " + value if name in headers else value
    return headers
