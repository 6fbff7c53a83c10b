"""Recognise what connected to the CTP01 port when it is not CTP01 middleware, with a hint
that tells the operator what to change (shared/docs/CTP01.md, "Wrong-protocol input")."""

from __future__ import annotations

from p88.tcp.events import WrongProtocol
from p88.tcp.lines import CONTROL

_HINTS: dict[str, str] = {
    "tls": (
        "The client started a TLS handshake; CTP01 is plain TCP, so turn off SSL/TLS "
        "in the client's connection settings."
    ),
    "http": (
        "A web browser or HTTP client connected to the CTP01 port; open p88's web "
        "interface on its HTTP port instead."
    ),
    "controller": (
        "This is a controller's raw output; point ChronoTrack middleware (e.g. SimpleClient) "
        "at p88 with Protocol Mode CTP01 instead of the controller."
    ),
    "chuckscore": "SimpleClient is in ChuckScore mode; set SimpleClient's Protocol Mode to CTP01.",
    "no-greeting": (
        "The client sent CTP01 data without the <program>~<version>~CTP01 greeting; "
        "set Protocol Mode to CTP01 in the middleware's socket settings and reconnect."
    ),
    "binary": (
        "Binary data arrived instead of CTP01 text (a port scanner or another protocol); "
        "point only ChronoTrack middleware in CTP01 mode at this port."
    ),
    "unknown": (
        "The first line is not a CTP01 greeting; set Protocol Mode to CTP01 in the "
        "middleware's socket settings."
    ),
}

WRONG_PROTOCOL_KINDS = frozenset(_HINTS)
"""Every `WrongProtocol.kind` the parser reports."""

_HTTP_STARTS = (
    b"GET ",
    b"POST ",
    b"HEAD ",
    b"PUT ",
    b"PATCH ",
    b"TRACE ",
    b"OPTIONS ",
    b"CONNECT ",
    b"DELETE ",
    b"PRI * HTTP",
)
_CLIENT_WORDS = frozenset({"ack", "err", "ping", "authorize"})


def wrong(kind: str, hint: str | None = None) -> WrongProtocol:
    return WrongProtocol(kind, hint or _HINTS[kind])


def early_kind(prefix: bytes) -> str | None:
    """The wrong-protocol kind that the start of the first line already proves, if any.

    Each rule becomes decisive at a fixed number of bytes and the rule decisive earliest
    wins, so the answer for a prefix never changes as more bytes arrive: detection before
    the LF gives the same result however the stream was chunked.
    """
    if prefix[:1] == b"\x16":  # TLS record type "handshake"; the version byte decides
        if len(prefix) < 2:
            return None
        return "tls" if prefix[1] == 0x03 else "binary"
    decided: list[tuple[int, str]] = []
    if control := CONTROL.search(prefix):
        decided.append((control.start() + 1, "binary"))
    decided += [(len(s), "http") for s in _HTTP_STARTS if prefix.startswith(s)]
    if prefix.startswith(b"@"):
        decided.append((1, "chuckscore"))
    # A greeting has two tildes; a controller line `TO~seq~tag~...` has ten or more.
    if prefix.startswith(b"TO~") and prefix.count(b"~") >= 3:
        decided.append((_index_of_nth(prefix, b"~", 3) + 1, "controller"))
    return min(decided)[1] if decided else None


def _index_of_nth(data: bytes, sub: bytes, n: int) -> int:
    index = -1
    for _ in range(n):
        index = data.index(sub, index + 1)
    return index


def first_line_wrong(text: str) -> WrongProtocol:
    """Classify a complete first line that is not a greeting."""
    word = text.split("~", 1)[0].strip().lower()
    if text.startswith("TO~"):
        return wrong("controller")
    if text.lower().startswith("getinfo"):
        return wrong("chuckscore")
    if text[:5].upper() == "CT01_" or word in _CLIENT_WORDS:
        return wrong("no-greeting")
    fields = text.split("~")
    if len(fields) == 3 and fields[2].strip().upper().startswith("CTP"):
        protocol = fields[2].strip()[:16]
        return wrong(
            "unknown",
            f"The client greeted with protocol {protocol!r} but p88 speaks only CTP01; "
            "set Protocol Mode to CTP01 in the middleware's socket settings.",
        )
    return wrong("unknown")
