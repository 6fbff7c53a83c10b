"""The client's side of CTP01, for the simulator: what a server sends, parsed; what a client
sends, encoded."""

from __future__ import annotations

from dataclasses import dataclass

from p88.tcp.client_lines import SEPARATORS, SMALL_DIGITS, TAG_FORMAT, count
from p88.tcp.lines import MAX_LINE_BYTES, Dropped, LineSplitter, decode, is_blank
from p88.tcp.server_lines import encode_line


@dataclass(frozen=True, slots=True)
class ServerHello:
    """`<name>~<version>~<N>`: the server's answer to the greeting."""

    name: str
    version: str
    request_count: int


@dataclass(frozen=True, slots=True)
class Request:
    """One of the N `key=value` lines after the ServerHello."""

    key: str
    value: str


@dataclass(frozen=True, slots=True)
class Command:
    """Any later server line: `ping`, `start~FINISH~1742`, `ack~authorize`, `err~authorize~...`."""

    name: str
    args: tuple[str, ...]


ServerEvent = ServerHello | Request | Command


class ServerProtocolError(ValueError):
    """The server sent something a real client would treat as fatal."""


class ClientParser:
    """Parse the bytes a CTP01 server sends to a client (used by the simulator).

    feed() raises ServerProtocolError on a bad hello, a bad request line or an over-long
    line; events of the same feed() before the bad line are lost with it.
    """

    def __init__(self, max_line: int = MAX_LINE_BYTES) -> None:
        self._lines = LineSplitter(max_line)
        self._hello_seen = False
        self._requests_left = 0

    def feed(self, data: bytes) -> list[ServerEvent]:
        """Events for the lines `data` completes."""
        events: list[ServerEvent] = []
        for line in self._lines.push(data):
            if isinstance(line, Dropped):
                raise ServerProtocolError(f"server line of {line.length} bytes is too long")
            if not is_blank(line):
                events.append(self._event(decode(line)[0]))
        return events

    def _event(self, text: str) -> ServerEvent:
        if not self._hello_seen:
            return self._hello(text)
        if self._requests_left:
            self._requests_left -= 1
            return _request(text)
        name, *args = text.split("~")
        return Command(name, tuple(args))

    def _hello(self, text: str) -> ServerHello:
        fields = text.split("~")
        number = count(fields[-1], SMALL_DIGITS) if len(fields) == 3 else None
        if number is None:
            raise ServerProtocolError(f"expected <name>~<version>~<N>, got {text[:80]!r}")
        self._hello_seen = True
        self._requests_left = number
        return ServerHello(fields[0], fields[1], number)


def _request(text: str) -> Request:
    key, equals, value = text.partition("=")
    if not equals or not key:
        raise ServerProtocolError(f"expected key=value, got {text[:80]!r}")
    return Request(key, value)


def client_greeting(program: str, version: str) -> bytes:
    """`<program>~<version>~CTP01` CR LF."""
    return encode_line(program, version, "CTP01")


def tag_line(
    sequence: int,
    location: str,
    tag: str,
    time: str,
    lap: int,
    reader_id: str,
    gator: int,
    fmt: str = "CT01_33",
    encoding: str = "utf-8",
) -> bytes:
    """A tag line in `fmt` (CT01_33 uses '~', CT01_13 ',', ...), CR LF terminated."""
    m = TAG_FORMAT.fullmatch(fmt)
    separator = SEPARATORS.get(m.group(1)) if m else None
    if separator is None:
        raise ValueError(f"unsupported tag format {fmt!r}")
    if min(sequence, lap, gator) < 0:
        raise ValueError("sequence, lap and gator must not be negative")
    fields = [fmt, str(sequence), location, tag, time, str(lap), reader_id, str(gator)]
    for field in fields:
        if separator in field or "\r" in field or "\n" in field:
            raise ValueError(f"tag field {field!r} contains {separator!r}, CR or LF")
    return (separator.join(fields) + "\r\n").encode(encoding)


def ack(command: str, *args: str, encoding: str = "utf-8") -> bytes:
    """`ack~<command>[~<arg>...]` CR LF, e.g. ack("getlocations", "FINISH")."""
    return encode_line("ack", command, *args, encoding=encoding)


def client_error(command: str, message: str) -> bytes:
    """`err~<command>~<message>` CR LF."""
    return encode_line("err", command, message)


def authorize(user: str, secret: str) -> bytes:
    """`authorize~<user>~<secret>` CR LF."""
    return encode_line("authorize", user, secret)
