"""p88's websocket server: every push endpoint (display screens, a session's live reads, the
template builder's preview) is served here, by one implementation (p88.web.push.socket).

The front door (p88.web.front) hands a connection over when its first request line asks for a
push route; the route's handler decides who may connect and what is sent.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qsl

import trio
from wsproto.connection import ConnectionState
from wsproto.events import Request

from p88.db.pool import DATABASE_DOWN_ERRORS
from p88.web.forwarded import client_of
from p88.web.push.socket import PEER_GONE, PushSocket
from p88.web.services import WebServices

log = logging.getLogger(__name__)

DATABASE_DOWN = 1011  # "server error": pages retry with backoff
SHUTTING_DOWN = 1001
FIRST_LINE = re.compile(rb"GET (/[^ ?]*)(?:\?[^ ]*)? HTTP/1\.1\r?\n")
UPGRADE_TO_WEBSOCKET = re.compile(rb"\nupgrade:[ \t]*websocket[ \t]*\r?\n", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Upgrade:
    """What a websocket handshake asked for."""

    path: str
    params: dict[str, str]  # the route pattern's named groups
    query: dict[str, str]  # first value of each query parameter
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    peer: str

    def cookie(self, name: str) -> str | None:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(self.headers.get("cookie", ""))
        except CookieError:
            return None
        morsel = jar.get(name)
        return morsel.value if morsel is not None else None


Handler = Callable[[WebServices, Upgrade, PushSocket], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Route:
    name: str
    rule: str  # as the web app writes its routes, for people and the route-coverage test
    pattern: re.Pattern[str]
    handler: Handler


def upgrade_of(request: Request, params: dict[str, str], peer: str) -> Upgrade:
    path, _, query = request.target.partition("?")
    headers: dict[str, str] = {}
    for raw_name, raw_value in request.extra_headers:
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    headers["host"] = request.host
    values: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        values.setdefault(key, value)
    return Upgrade(path, params, values, headers, peer)


class PushServer:
    """Serves the websocket upgrades of one port. `services` may be None for a port with no
    routes (the status port), whose upgrades are all refused with 404 here."""

    def __init__(self, services: WebServices | None, routes: Sequence[Route]) -> None:
        self.services = services
        self.routes = tuple(routes)
        self._open: set[PushSocket] = set()

    def wants(self, head: bytes) -> bool:
        """Whether a connection's first request is p88's to serve: a GET of a push address, or
        any websocket upgrade (Hypercorn serves none: an unknown address gets a 404 here)."""
        found = FIRST_LINE.match(head)
        if found is None:
            return False
        if UPGRADE_TO_WEBSOCKET.search(head) is not None:
            return True
        return self._route(found.group(1).decode("latin-1")) is not None

    def _route(self, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            matched = route.pattern.fullmatch(path)
            if matched is not None:
                return route, matched.groupdict()
        return None

    def open_count(self) -> int:
        return len(self._open)

    def close_all(self) -> None:
        """Server shutdown: every socket is told to come back later (1001)."""
        for socket in self._open:
            socket.close_soon(SHUTTING_DOWN, "server shutting down")

    async def serve(self, stream: trio.abc.Stream, fd: int, peer: str, scheme: str) -> None:
        """One push connection, from its handshake to its close. `peer` is the socket's peer
        address; behind a trusted proxy the client is the one the proxy names."""
        socket = PushSocket(stream, fd, peer)
        request = await socket.handshake()
        if request is None:
            return
        if self.services is not None:
            trusted = self.services.config.web.trusted_networks
            peer = client_of(peer, request.extra_headers, trusted, scheme).address
            socket.peer = peer
        found = self._route(request.target.partition("?")[0])
        if found is None:  # the first line said one thing, the parsed request another
            await socket.reject(404, "no live connection at this address")
            return
        route, params = found
        assert self.services is not None, "a port with routes has services"
        self._open.add(socket)
        try:
            await route.handler(self.services, upgrade_of(request, params, peer), socket)
        except DATABASE_DOWN_ERRORS as exc:
            log.warning("the %s websocket could not load what it shows: %s", route.name, exc)
            await _database_down(socket)
        except PEER_GONE:
            pass  # the page went away (or broke the protocol) mid-conversation
        except Exception:
            # One socket's bug must not end the server for everyone; its page retries.
            log.exception("the %s websocket from %s failed", route.name, peer)
        finally:
            self._open.discard(socket)
            socket.outbox.disconnect()  # before the socket closes: no write may reach its number


async def _database_down(socket: PushSocket) -> None:
    state = socket.ws.state
    if state is ConnectionState.CONNECTING:
        await socket.reject(503, "the database is not answering; try again shortly")
    elif state is ConnectionState.OPEN and socket.outbox.held:
        await socket.refuse(DATABASE_DOWN, "the database is not answering; retrying")
