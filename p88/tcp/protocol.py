"""Sans-IO CTP01 (ChronoTrack Socket Protocol 1): bytes in, events out; events in, bytes out.

No I/O and no trio here, so the parser can be tested byte by byte and fuzzed.
See ../shared/docs/CTP01.md for the protocol as p88 speaks it.

Server side: `ServerParser` turns what a client sends into `Event`s; `server_hello`,
`recommended_requests` and `command` build what the server sends. Client side (for the
simulator): `ClientParser` turns what the server sends into `ServerEvent`s; `client_greeting`,
`tag_line`, `ack`, `client_error` and `authorize` build what a client sends.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from p88.tcp.wallclock import ISO_SHAPE, WallTime, parse_wall_time, plain_iso

MAX_LINE_BYTES = 1024
"""Longest line kept; longer lines are dropped and reported (the spec's longest is ~100 bytes)."""


# ---------------------------------------------------------------- events (client -> server)
@dataclass(frozen=True, slots=True)
class Greeting:
    """`<program>~<version>~CTP01`, the client's first line."""

    program: str
    version: str


@dataclass(frozen=True, slots=True)
class Ack:
    """`ack~<command>[~<arg>...]`: the client's answer to a server command."""

    command: str
    args: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ClientError:
    """`err~<command>~<message>`: the client refused a command."""

    command: str
    message: str


@dataclass(frozen=True, slots=True)
class ClientPing:
    """A `ping` from the client (answered with `ack~ping`)."""


@dataclass(frozen=True, slots=True)
class Authorize:
    """`authorize~<user>~<secret>` sent by the client when authentication was requested."""

    user: str
    secret: str


@dataclass(frozen=True, slots=True)
class TagRead:
    """One observation: `CT01_33~seq~location~tag~time~lap~reader~gator`."""

    sequence: int
    location: str
    tag: str
    time: str  # raw wall-clock text; see p88.tcp.wallclock for its meaning
    lap: int
    reader_id: str
    gator: int
    # The time parsed once by the parser (which validates it anyway), so the collector does
    # not parse it a second time on its hot path. None when built by hand.
    when: WallTime | None = dataclasses.field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class PlainReads:
    """A run of consecutive plain reads (CT01_33, ISO times, plain digits), parsed together.

    The collector's hot path: a chunk whose complete lines are all plain reads is parsed in
    a few C calls over the whole chunk and handed on as columns, one entry per read in
    arrival order, so nothing is built per read until the collector stamps them. Each read
    is exactly the TagRead the line-by-line parser gives for its line (`tag_reads()`)."""

    sequences: list[int]
    locations: tuple[str, ...]
    tags: tuple[str, ...]
    times: tuple[str, ...]
    laps: list[int]
    reader_ids: tuple[str, ...]
    gators: list[int]
    whens: list[datetime]

    def __len__(self) -> int:
        return len(self.sequences)

    def tag_reads(self) -> list[TagRead]:
        """The same reads as TagRead events, one per line."""
        return list(
            map(
                _tag_read,
                self.sequences,
                self.locations,
                self.tags,
                self.times,
                self.laps,
                self.reader_ids,
                self.gators,
                self.whens,
            )
        )


@dataclass(frozen=True, slots=True)
class GunTime:
    """A tag line whose tag is `guntime` (any case): a wave start, not a read."""

    sequence: int
    location: str
    time: str
    reader_id: str
    when: WallTime | None = dataclasses.field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class NewLocation:
    """A tag line whose tag is `newlocation`: the client has a new point to offer."""

    sequence: int
    location: str


@dataclass(frozen=True, slots=True)
class Malformed:
    """A line that is not valid CTP01 where CTP01 was expected; the connection goes on."""

    line: str
    reason: str


@dataclass(frozen=True, slots=True)
class Overlong:
    """A line longer than MAX_LINE_BYTES was dropped; the connection goes on."""

    length: int


@dataclass(frozen=True, slots=True)
class WrongProtocol:
    """The first bytes are not a CTP01 greeting; `hint` tells the operator what to change."""

    kind: str
    hint: str


Event = (
    Greeting
    | Ack
    | ClientError
    | ClientPing
    | Authorize
    | TagRead
    | PlainReads
    | GunTime
    | NewLocation
    | Malformed
    | Overlong
    | WrongProtocol
)


# ---------------------------------------------------------------- line splitting (both sides)
@dataclass(frozen=True, slots=True)
class _Dropped:
    """An over-long line: its full length and its first max_line + 1 bytes (to classify it)."""

    length: int
    head: bytes


class _LineSplitter:
    """Split a byte stream on LF and drop one trailing CR, keeping at most max_line + 1 bytes.

    The extra byte is room for the CR, so a line of exactly max_line bytes plus CR is kept.
    Beyond that, bytes are only counted: a client that never sends LF costs no memory.
    """

    def __init__(self, max_line: int) -> None:
        if max_line < 1:
            raise ValueError("max_line must be at least 1")
        self._max = max_line
        self._head = bytearray()
        self._dropped = 0  # bytes of the current line beyond the kept head
        self._last_cr = False  # whether the last byte of the current line so far was CR

    @property
    def max_line(self) -> int:
        return self._max

    @property
    def idle(self) -> bool:
        """Whether no line is under way: the next byte pushed starts a new line."""
        return not self._head and not self._dropped

    @property
    def pending(self) -> bytes:
        """The kept start of the unfinished line."""
        return bytes(self._head)

    @property
    def overflowing(self) -> bool:
        """Whether the unfinished line is already known to be over-long."""
        return self._dropped > 0

    def push(self, data: bytes) -> Iterator[bytes | _Dropped]:
        """Yield each line completed by `data` (without CR LF), or _Dropped if too long."""
        start = 0
        while (end := data.find(b"\n", start)) >= 0:
            yield self._finish(data[start:end])
            start = end + 1
        self._keep(data[start:])

    def _keep(self, chunk: bytes) -> None:
        if not chunk:
            return
        room = self._max + 1 - len(self._head)
        if room > 0:
            self._head += chunk[:room]
        self._dropped += max(0, len(chunk) - max(room, 0))
        self._last_cr = chunk[-1] == 0x0D

    def _finish(self, tail: bytes) -> bytes | _Dropped:
        if not self._head and len(tail) <= self._max + 1:
            line = tail  # the common case: a whole line inside one chunk, no copying
        else:
            self._keep(tail)
            line = bytes(self._head)
        dropped, last_cr = self._dropped, (tail[-1] == 0x0D if tail else self._last_cr)
        self._head.clear()
        self._dropped, self._last_cr = 0, False
        if dropped:
            return _Dropped(len(line) + dropped - (1 if last_cr else 0), line)
        if last_cr:
            line = line[:-1]
        if len(line) > self._max:
            return _Dropped(len(line), line)
        return line


def _is_blank(line: bytes) -> bool:
    return not line.strip(b" \t")


def _decode(line: bytes) -> tuple[str, str]:
    """The text of one line and the encoding it was read with (UTF-8, else cp1252)."""
    if line.isascii():
        return line.decode("ascii"), "ascii"
    try:
        return line.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; "replace" makes decoding total.
        return line.decode("cp1252", errors="replace"), "cp1252"


# Control characters other than TAB and CR (LF never occurs inside a line).
_CONTROL = re.compile(rb"[\x00-\x08\x0a-\x0c\x0e-\x1f\x7f]")


def _has_control(line: bytes) -> bool:
    """Whether a finished line holds a control character (a CR left inside counts)."""
    return _CONTROL.search(line) is not None or b"\r" in line


# ---------------------------------------------------------------- wrong-protocol detection
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


def _wrong(kind: str, hint: str | None = None) -> WrongProtocol:
    return WrongProtocol(kind, hint or _HINTS[kind])


def _early_kind(prefix: bytes) -> str | None:
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
    if control := _CONTROL.search(prefix):
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


def _parse_greeting(text: str) -> Greeting | None:
    fields = text.split("~")
    if len(fields) == 3 and fields[2].strip().upper() == "CTP01":
        return Greeting(fields[0].strip(), fields[1].strip())
    return None


def _first_line_wrong(text: str) -> WrongProtocol:
    """Classify a complete first line that is not a greeting."""
    word = text.split("~", 1)[0].strip().lower()
    if text.startswith("TO~"):
        return _wrong("controller")
    if text.lower().startswith("getinfo"):
        return _wrong("chuckscore")
    if text[:5].upper() == "CT01_" or word in _CLIENT_WORDS:
        return _wrong("no-greeting")
    fields = text.split("~")
    if len(fields) == 3 and fields[2].strip().upper().startswith("CTP"):
        protocol = fields[2].strip()[:16]
        return _wrong(
            "unknown",
            f"The client greeted with protocol {protocol!r} but p88 speaks only CTP01; "
            "set Protocol Mode to CTP01 in the middleware's socket settings.",
        )
    return _wrong("unknown")


# ---------------------------------------------------------------- client lines after greeting
_TAG_FORMAT = re.compile(r"CT01_([0-9])[0-9]", re.IGNORECASE)
_SEPARATORS = {"1": ",", "2": ";", "3": "~", "4": "|", "5": "\t"}
_SEQUENCE_DIGITS = 18  # fits a signed 64-bit column
_SMALL_DIGITS = 9  # lap and gator: fits a signed 32-bit column


def _count(text: str, max_digits: int) -> int | None:
    """A non-negative ASCII integer (surrounding spaces allowed), or None."""
    digits = text.strip()
    if digits.isascii() and digits.isdigit() and len(digits) <= max_digits:
        return int(digits)
    return None


def parse_client_line(text: str) -> Event:
    """Parse one decoded line a client sends after its greeting. Never raises."""
    if text[:5].upper() == "CT01_":
        return _parse_tag_line(text)
    fields = text.split("~")
    word = fields[0].strip().lower()
    if word == "ack":
        return _parse_ack(text, fields)
    if word == "err":
        return _parse_err(text, fields)
    if word == "ping":
        return ClientPing()  # arguments, never seen in practice, are ignored
    if word == "authorize":
        if len(fields) < 3:
            return Malformed(text, "authorize needs a user and a secret")
        return Authorize(fields[1], "~".join(fields[2:]))  # a secret may contain '~'
    if _parse_greeting(text) is not None:
        return Malformed(text, "repeated greeting ignored")
    return Malformed(text, f"unknown line starting {fields[0][:20]!r}")


def _parse_ack(text: str, fields: list[str]) -> Event:
    if len(fields) < 2 or not fields[1].strip():
        return Malformed(text, "ack without a command")
    return Ack(fields[1].strip().lower(), tuple(fields[2:]))


def _parse_err(text: str, fields: list[str]) -> Event:
    if len(fields) < 2:
        return Malformed(text, "err without a command")
    # `err~~unknown command` names no command; a message may itself contain '~'.
    return ClientError(fields[1].strip().lower(), "~".join(fields[2:]))


def _parse_tag_line(text: str) -> Event:
    m = _TAG_FORMAT.match(text)
    if m is None:
        return Malformed(text, "tag format must be CT01_ and two digits")
    separator = _SEPARATORS.get(m.group(1))
    if separator is None:
        return Malformed(text, f"unknown separator digit {m.group(1)} in {m.group(0)}")
    fields = text.split(separator)
    if len(fields) != 8:
        return Malformed(text, f"expected 8 fields, got {len(fields)}")
    if len(fields[0]) != 7:
        return Malformed(text, f"bad tag format field {fields[0][:20]!r}")
    return _tag_event(text, fields)


def _tag_event(text: str, fields: list[str]) -> Event:
    _, seq_text, location, tag_text, time_text, lap_text, reader_text, gator_text = fields
    sequence = _count(seq_text, _SEQUENCE_DIGITS)
    if sequence is None:
        return Malformed(text, "sequence is not a number")
    lap = _count(lap_text, _SMALL_DIGITS)
    if lap is None:
        return Malformed(text, "lap is not a number")
    gator = _count(gator_text, _SMALL_DIGITS)
    if gator is None:
        return Malformed(text, "gator is not a number")
    if problem := _location_problem(location):
        return Malformed(text, problem)
    tag = tag_text.strip()
    if not tag:
        return Malformed(text, "empty tag")
    special = tag.lower()
    if special == "newlocation":
        # Its time, lap and gator are placeholders (`00:00:00.00~0~0~0`): time not checked.
        return NewLocation(sequence, location)
    try:
        when = parse_wall_time(time_text)
    except ValueError as exc:
        return Malformed(text, f"bad time: {exc}")
    if special == "guntime":
        return GunTime(sequence, location, time_text, reader_text.strip(), when)
    return TagRead(sequence, location, tag, time_text, lap, reader_text.strip(), gator, when)


def _location_problem(location: str) -> str | None:
    if not location.strip():
        return "empty location"
    if "~" in location:
        # The server names locations in `start~<loc>`; a '~' could never be sent back.
        return "location contains '~'"
    return None


_PRINTABLE_ASCII = bytes(range(0x20, 0x7F))


def _plain_tag_read(line: bytes) -> TagRead | None:
    """The collector's hot path: a printable-ASCII `CT01_33` read line whose numbers are plain
    digits, parsed in a few C calls. Returns None for anything else (special tags, other
    formats, odd spacing, bad fields), which then takes the full path; for the lines it does
    take, the result equals the full path's."""
    if not line.startswith(b"CT01_33~") or line.translate(None, _PRINTABLE_ASCII):
        return None
    fields = line.split(b"~")
    if len(fields) != 8:
        return None
    _, seq, location, tag, time_text, lap, reader, gator = fields
    if not (
        seq.isdigit()
        and lap.isdigit()
        and gator.isdigit()
        and len(seq) <= _SEQUENCE_DIGITS
        and len(lap) <= _SMALL_DIGITS
        and len(gator) <= _SMALL_DIGITS
        and location.strip()
    ):
        return None
    tag_text = tag.strip().decode("ascii")
    if not tag_text or tag_text.lower() in ("guntime", "newlocation"):
        return None
    time_str = time_text.decode("ascii")
    when: WallTime | None = plain_iso(time_str)
    if when is None:
        try:
            when = parse_wall_time(time_str)
        except ValueError:
            return None
    return _tag_read(
        int(seq),
        location.decode("ascii"),
        tag_text,
        time_str,
        int(lap),
        reader.strip().decode("ascii"),
        int(gator),
        when,
    )


# TagRead stays frozen, but its generated __init__ sets every field through
# object.__setattr__, a large share of the fast path. Setting the slots through their
# descriptors builds the identical frozen object in about half the time.
_new_object = object.__new__
(
    _set_sequence,
    _set_location,
    _set_tag,
    _set_time,
    _set_lap,
    _set_reader_id,
    _set_gator,
    _set_when,
) = (getattr(TagRead, f.name).__set__ for f in dataclasses.fields(TagRead))


def _tag_read(
    sequence: int,
    location: str,
    tag: str,
    time: str,
    lap: int,
    reader_id: str,
    gator: int,
    when: WallTime,
) -> TagRead:
    """TagRead(...) for the fast path: same arguments, same object, cheaper."""
    read: TagRead = _new_object(TagRead)
    _set_sequence(read, sequence)
    _set_location(read, location)
    _set_tag(read, tag)
    _set_time(read, time)
    _set_lap(read, lap)
    _set_reader_id(read, reader_id)
    _set_gator(read, gator)
    _set_when(read, when)
    return read


_TEXT = "[ -}]"  # printable ASCII but '~', the separator
_SOLID = "[!-}]"  # the same, space excepted


@functools.cache
def _plain_line_patterns(max_line: int) -> tuple[re.Pattern[str], re.Pattern[str]] | None:
    """The patterns of one whole line, LF included, that _plain_tag_read takes and gives an
    ISO time, and no longer than max_line (CR aside): a quick one for the usual line, then
    the full one; None when max_line leaves no room for one. Groups: the seven fields after
    `CT01_33`, the tag and reader id without their surrounding spaces, as _plain_tag_read
    strips them.

    Each free run (location; a tag's and a reader id's leading spaces, text, trailing spaces)
    is bounded by `most`, so a match is at most 81 + 7 * most bytes before its CR: the
    length check costs nothing extra (a lookahead measuring each line cost a quarter of the
    parse). A plain line with a field longer than the bound takes the line path.

    The quick pattern takes only tags and reader ids without spaces and locations that begin
    with a character: a subset of the full pattern's lines, with the same groups. Real
    middleware sends no spaces there, and without the optional spaces and the stripping the
    regex engine needs less than half the time (1.37 -> 0.6 us a line, micro-benchmark)."""
    most = (max_line - 81) // 7
    if most < 1:
        return None
    not_special = "(?!(?i:guntime|newlocation)~)"
    quick = re.compile(
        rf"^CT01_33~([0-9]{{1,{_SEQUENCE_DIGITS}}})"
        rf"~({_SOLID}{_TEXT}{{0,{most - 1}}})"
        rf"~{not_special}({_SOLID}{{1,{most}}})"
        rf"~({ISO_SHAPE})"
        rf"~([0-9]{{1,{_SMALL_DIGITS}}})"
        rf"~({_SOLID}{{0,{most}}})"
        rf"~([0-9]{{1,{_SMALL_DIGITS}}})\r?\n",
        re.MULTILINE,
    )
    stripped = f"{_SOLID}(?:{_TEXT}{{0,{most}}}{_SOLID})?"  # a field's text, spaces stripped
    spaces = f" {{0,{most}}}"
    full = re.compile(
        rf"^CT01_33~([0-9]{{1,{_SEQUENCE_DIGITS}}})"
        rf"~((?= *{_SOLID}){_TEXT}{{1,{most}}})"
        rf"~(?! *(?i:guntime|newlocation) *~){spaces}({stripped}){spaces}"
        rf"~({ISO_SHAPE})"
        rf"~([0-9]{{1,{_SMALL_DIGITS}}})"
        rf"~{spaces}((?:{stripped})?){spaces}"
        rf"~([0-9]{{1,{_SMALL_DIGITS}}})\r?\n",
        re.MULTILINE,
    )
    return quick, full


_from_iso = datetime.fromisoformat


def _plain_reads(block: bytes, max_line: int) -> PlainReads | None:
    """Every line of `block` (whole lines, each ending in LF) as one PlainReads, or None
    unless each is a plain read with an ISO time. One regex pass and a few maps over the
    block: no Python code runs per line."""
    patterns = _plain_line_patterns(max_line)
    if patterns is None or not block.isascii():
        return None
    text = block.decode("ascii")
    lines = text.count("\n")
    # A match is one whole line, LF included: as many matches as LFs means every line matched.
    for pattern in patterns:
        rows = pattern.findall(text)
        if len(rows) == lines:
            break
    else:
        return None
    sequences, locations, tags, times, laps, reader_ids, gators = zip(*rows, strict=True)
    try:
        whens = list(map(_from_iso, times))
    except ValueError:
        return None  # a date that does not exist (2021-02-30): the line path reports it
    return PlainReads(
        list(map(int, sequences)),
        locations,
        tags,
        times,
        list(map(int, laps)),
        reader_ids,
        list(map(int, gators)),
        whens,
    )


# ---------------------------------------------------------------- server-side parser
class ServerParser:
    """Parse the bytes a CTP01 client sends to the server; feed() never raises.

    Before the greeting, the first non-blank line must be `<program>~<version>~CTP01`;
    anything else gives one WrongProtocol (as soon as the first bytes prove it, even before
    the LF) and every later feed() returns []. After the greeting every non-blank line gives
    one Event; an over-long line gives Overlong, a repeated greeting Malformed. Lines that are
    only spaces or tabs count as blank and are skipped.
    """

    def __init__(self, max_line: int = MAX_LINE_BYTES) -> None:
        self._lines = _LineSplitter(max_line)
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
            events.append(self._close(_wrong(kind)))
        return events

    def _plain_block(self, data: bytes, events: list[Event]) -> bytes:
        """The hot path: when the lines that `data` holds whole are all plain reads, add
        them to `events` as one PlainReads (after the end of a line begun in an earlier
        chunk, which takes the line path) and return the rest, the start of a line."""
        start = 0 if self._lines.idle else data.find(b"\n") + 1
        end = data.rfind(b"\n") + 1
        if end <= start or (reads := _plain_reads(data[start:end], self._lines.max_line)) is None:
            return data
        for line in self._lines.push(data[:start]):
            if (event := self._session_line(line)) is not None:
                events.append(event)
        events.append(reads)
        return data[end:]

    def _pending_kind(self) -> str | None:
        kind = _early_kind(self._lines.pending)
        if kind is None and self._lines.overflowing:
            return "binary"
        return kind

    def _close(self, wrong: WrongProtocol) -> WrongProtocol:
        self._closed = True
        return wrong

    def _first_line(self, line: bytes | _Dropped) -> Event | None:
        if isinstance(line, _Dropped):
            return self._close(_wrong(_early_kind(line.head) or "binary"))
        if _is_blank(line):
            return None
        if kind := _early_kind(line):
            return self._close(_wrong(kind))
        if _has_control(line):
            return self._close(_wrong("binary"))
        text, encoding = _decode(line)
        greeting = _parse_greeting(text.removeprefix("\ufeff"))  # Windows programs may send a BOM
        if greeting is None:
            return self._close(_first_line_wrong(text))
        self._note_encoding(encoding)
        self._greeted = True
        return greeting

    def _session_line(self, line: bytes | _Dropped) -> Event | None:
        if isinstance(line, _Dropped):
            return Overlong(line.length)
        if (fast := _plain_tag_read(line)) is not None:
            return fast
        if _is_blank(line):
            return None
        text, encoding = _decode(line)
        if _has_control(line):
            return Malformed(text, "control character in line")
        event = parse_client_line(text)
        if not isinstance(event, Malformed):
            self._note_encoding(encoding)  # garbage must not decide how we spell locations
        return event

    def _note_encoding(self, encoding: str) -> None:
        if encoding != "ascii":
            self.encoding = encoding


# ---------------------------------------------------------------- server -> client encoders
AUTHENTICATION_METHODS = frozenset(
    {"none", "plaintext", "hmac-sha1", "hmac-md5", "seed-sha1", "seed-md5"}
)


def encode_line(*fields: str, encoding: str = "utf-8") -> bytes:
    """`f1~f2~...` CR LF; ValueError if a field holds '~', CR or LF, or cannot be encoded.

    Pass `encoding="cp1252"` (ServerParser.encoding) to name a location the way a
    non-Unicode client such as SimpleClient spelled it.
    """
    for field in fields:
        if "~" in field or "\r" in field or "\n" in field:
            raise ValueError(f"CTP01 field {field!r} contains '~', CR or LF")
    return ("~".join(fields) + "\r\n").encode(encoding)


def server_hello(name: str, version: str, requests: Sequence[tuple[str, str]]) -> bytes:
    """`<name>~<version>~<N>` and the N `key=value` request lines, as one write."""
    lines = [encode_line(name, version, str(len(requests)))]
    for key, value in requests:
        if not key or "=" in key or any(c in key + value for c in "\r\n~"):
            raise ValueError(f"bad CTP01 request {key!r}={value!r}")
        lines.append(f"{key}={value}\r\n".encode())
    return b"".join(lines)


_RECOMMENDED: tuple[tuple[str, str], ...] = (
    ("stream-mode", "push"),
    ("location", "multi"),
    ("guntimes", "true"),
    ("newlocations", "true"),
    ("connection-id", "true"),
    ("pushmode-ack", "true"),
    ("time-format", "iso"),
    ("tagevent-format", "CT01_33"),
)


def recommended_requests(
    authentication: str = "none", seed: str | None = None
) -> list[tuple[str, str]]:
    """The recommended requests from CTP01.md, plus authentication when asked for.

    seed-* and hmac-* methods need `seed` (ValueError without one); for "none" and
    "plaintext" the seed is not used and not sent.
    """
    if authentication not in AUTHENTICATION_METHODS:
        raise ValueError(f"unknown CTP01 authentication method {authentication!r}")
    requests = list(_RECOMMENDED)
    if authentication == "none":
        return requests
    requests.append(("authentication", authentication))
    if authentication.startswith(("seed-", "hmac-")):
        if not seed:
            raise ValueError(f"authentication {authentication} needs a seed")
        requests.append(("authentication-seed", seed))
    return requests


def command(name: str, *args: str, encoding: str = "utf-8") -> bytes:
    """A server command line, e.g. command("start", "FINISH", "1742")."""
    return encode_line(name, *args, encoding=encoding)


# ---------------------------------------------------------------- client side (simulator)
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
        self._lines = _LineSplitter(max_line)
        self._hello_seen = False
        self._requests_left = 0

    def feed(self, data: bytes) -> list[ServerEvent]:
        """Events for the lines `data` completes."""
        events: list[ServerEvent] = []
        for line in self._lines.push(data):
            if isinstance(line, _Dropped):
                raise ServerProtocolError(f"server line of {line.length} bytes is too long")
            if not _is_blank(line):
                events.append(self._event(_decode(line)[0]))
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
        count = _count(fields[-1], _SMALL_DIGITS) if len(fields) == 3 else None
        if count is None:
            raise ServerProtocolError(f"expected <name>~<version>~<N>, got {text[:80]!r}")
        self._hello_seen = True
        self._requests_left = count
        return ServerHello(fields[0], fields[1], count)


def _request(text: str) -> Request:
    key, equals, value = text.partition("=")
    if not equals or not key:
        raise ServerProtocolError(f"expected key=value, got {text[:80]!r}")
    return Request(key, value)


# ---------------------------------------------------------------- client -> server encoders
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
    m = _TAG_FORMAT.fullmatch(fmt)
    separator = _SEPARATORS.get(m.group(1)) if m else None
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
