"""Who the client is and whether it came over https, when p88 sits behind a proxy.

A proxy that terminates TLS connects over plain http from its own address; it says who the
client was in `X-Forwarded-For` and how it connected in `X-Forwarded-Proto`. Anyone can send
those headers, so they are believed only from the addresses in `web.trusted_proxies`, and
only up to the first hop that is not itself a trusted proxy: each proxy appends the address
it saw, so the right-most untrusted entry is the one no client could have written.

`client_of` is the one place this is decided, pure so that every server path uses it (with
`config.web.trusted_networks`): the Quart app through `ForwardedMiddleware`, which rewrites
the ASGI scope so that `remote_addr` and `scheme` are right for every view, cookie and
header, and any socket served outside Quart.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, NamedTuple

from p88.config import Network

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

SCHEMES = ("http", "https")


class Client(NamedTuple):
    address: str  # as PostgreSQL's text columns and the rate limits key it
    scheme: str  # "http" or "https": how the client reached the first trusted proxy


def parse_address(text: str) -> Address | None:
    """An address as it appears in a header or a socket: `1.2.3.4`, `1.2.3.4:80`, `::1`,
    `[::1]:80`; IPv4-mapped IPv6 as IPv4. None for anything else ("unknown", obfuscated)."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, trusted: Sequence[Network]) -> bool:
    return any(address in network for network in trusted)


def _values(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> list[str]:
    """Every comma-separated entry of every `name` header, in order (left = furthest away)."""
    entries: list[str] = []
    for key, value in headers:
        if key.lower() == name:
            entries.extend(part.strip() for part in value.decode("latin-1").split(","))
    return entries


def client_of(
    peer_address: str,
    headers: Iterable[tuple[bytes, bytes]],
    trusted: Sequence[Network],
    scheme: str = "http",
) -> Client:
    """The client's address and scheme for a connection from `peer_address` that came in
    over `scheme` with these headers (name, value pairs as ASGI and wsproto give them)."""
    peer = parse_address(peer_address)
    if peer is None or not _trusted(peer, trusted):
        return Client(peer_address if peer is None else str(peer), scheme)
    headers = list(headers)
    address = peer
    depth = 0  # how many hops from the right the chosen address is
    for hop in reversed(_values(headers, b"x-forwarded-for")):
        found = parse_address(hop)
        if found is None:
            break  # not an address: keep the last hop a trusted proxy vouched for
        address, depth = found, depth + 1
        if not _trusted(found, trusted):
            break
    return Client(str(address), _scheme_at(_values(headers, b"x-forwarded-proto"), depth, scheme))


def _scheme_at(protos: list[str], depth: int, scheme: str) -> str:
    """The proto the proxy at the chosen hop wrote (aligned from the right like the addresses),
    or the furthest one given when proxies replace the header instead of appending to it."""
    if not protos:
        return scheme
    value = protos[-depth] if 0 < depth <= len(protos) else protos[0 if depth else -1]
    value = value.lower()
    return value if value in SCHEMES else scheme


ASGIApp = Callable[[Any, Any, Any], Awaitable[None]]  # scope, receive, send


class ForwardedMiddleware:
    """Rewrites each HTTP and websocket scope's client address and scheme by `client_of`."""

    def __init__(self, app: ASGIApp, trusted: Sequence[Network]) -> None:
        self.app = app
        self.trusted = tuple(trusted)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if self.trusted and scope["type"] in ("http", "websocket"):
            scope = self.rewritten(scope)
        await self.app(scope, receive, send)

    def rewritten(self, scope: dict[str, Any]) -> dict[str, Any]:
        peer = scope.get("client") or ("", 0)
        websocket = scope["type"] == "websocket"
        secure = scope.get("scheme") in ("https", "wss")
        own_scheme = "https" if secure else "http"
        found = client_of(peer[0], scope.get("headers", ()), self.trusted, own_scheme)
        if websocket:
            scheme = "wss" if found.scheme == "https" else "ws"
        else:
            scheme = found.scheme
        return {**scope, "client": (found.address, peer[1]), "scheme": scheme}
