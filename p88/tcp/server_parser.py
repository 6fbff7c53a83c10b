"""The server's side of CTP01, sans-IO: the bytes a client sends in, events out."""

from __future__ import annotations

from p88.tcp.client_lines import parse_client_line, parse_greeting
from p88.tcp.events import Event, Malformed, Overlong, PlainReads, WrongProtocol
from p88.tcp.lines import MAX_LINE_BYTES, Dropped, LineSplitter, decode, has_control, is_blank
from p88.tcp.plain_runs import plain_runs
from p88.tcp.wrong_protocol import early_kind, first_line_wrong, wrong


class ServerParser:
    """Parse the bytes a CTP01 client sends to the server; feed() never raises.

    Before the greeting, the first non-blank line must be `<program>~<version>~CTP01`;
    anything else gives one WrongProtocol (as soon as the first bytes prove it, even before
    the LF) and every later feed() returns []. After the greeting every non-blank line gives
    one Event, except that a run of plain reads within a chunk gives one PlainReads; an
    over-long line gives Overlong, a repeated greeting Malformed. Lines that are only spaces
    or tabs count as blank and are skipped.
    """

    def __init__(self, max_line: int = MAX_LINE_BYTES) -> None:
        self._lines = LineSplitter(max_line)
        self._greeted = False
        self._closed = False
        self.encoding = "utf-8"
        """How the client's last non-ASCII line was encoded ("utf-8" or "cp1252"): encode
        location names sent back (e.g. in `start~<loc>`) the same way."""

    @property
    def greeted(self) -> bool:
        """Whether the greeting has been received."""
        return self._greeted

    @property
    def closed(self) -> bool:
        """Whether a WrongProtocol was reported (the connection should be closed)."""
        return self._closed

    def feed(self, data: bytes) -> list[Event]:
        """Events for the lines `data` completes (and an early WrongProtocol, if proven)."""
        events: list[Event] = []
        if self._closed:
            return events
        if self._greeted:
            data = self._plain_block(data, events)
        for line in self._lines.push(data):
            event = self._session_line(line) if self._greeted else self._first_line(line)
            if event is not None:
                events.append(event)
            if self._closed:
                return events  # the rest of the stream is not CTP01: stop reading it
        if not self._greeted and (kind := self._pending_kind()):
            events.append(self._close(wrong(kind)))
        return events

    def _plain_block(self, data: bytes, events: list[Event]) -> bytes:
        """Parse the lines that `data` completes: the end of a line begun in an earlier chunk
        by the line path, then each run of plain reads as one PlainReads and every other line
        by the line path. Returns the rest, the start of a line."""
        start = 0 if self._lines.idle else data.find(b"\n") + 1
        end = data.rfind(b"\n") + 1
        if end <= start:
            return data
        self._line_path(data[:start], events)
        for piece in plain_runs(data[start:end], self._lines.max_line):
            if isinstance(piece, PlainReads):
                events.append(piece)
            else:
                self._line_path(piece, events)
        return data[end:]

    def _line_path(self, data: bytes, events: list[Event]) -> None:
        for line in self._lines.push(data):
            if (event := self._session_line(line)) is not None:
                events.append(event)

    def _pending_kind(self) -> str | None:
        kind = early_kind(self._lines.pending)
        if kind is None and self._lines.overflowing:
            return "binary"
        return kind

    def _close(self, wrong_protocol: WrongProtocol) -> WrongProtocol:
        self._closed = True
        return wrong_protocol

    def _first_line(self, line: bytes | Dropped) -> Event | None:
        if isinstance(line, Dropped):
            return self._close(wrong(early_kind(line.head) or "binary"))
        if is_blank(line):
            return None
        if kind := early_kind(line):
            return self._close(wrong(kind))
        if has_control(line):
            return self._close(wrong("binary"))
        text, encoding = decode(line)
        greeting = parse_greeting(text.removeprefix("\ufeff"))  # Windows programs may send a BOM
        if greeting is None:
            return self._close(first_line_wrong(text))
        self._note_encoding(encoding)
        self._greeted = True
        return greeting

    def _session_line(self, line: bytes | Dropped) -> Event | None:
        if isinstance(line, Dropped):
            return Overlong(line.length)
        if is_blank(line):
            return None
        text, encoding = decode(line)
        if has_control(line):
            return Malformed(text, "control character in line")
        event = parse_client_line(text)
        if not isinstance(event, Malformed):
            self._note_encoding(encoding)  # garbage must not decide how we spell locations
        return event

    def _note_encoding(self, encoding: str) -> None:
        if encoding != "ascii":
            self.encoding = encoding
