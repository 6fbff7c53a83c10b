"""The sans-IO CTP01 parsers and encoders: events, wrong protocols, chunking, fuzzing."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import pytest

from p88.tcp.protocol import (
    MAX_LINE_BYTES,
    Ack,
    Authorize,
    ClientError,
    ClientPing,
    Event,
    Greeting,
    GunTime,
    Malformed,
    NewLocation,
    Overlong,
    PlainReads,
    ServerParser,
    TagRead,
    command,
    parse_client_line,
    tag_line,
)

GREETING = b"SimpleClient~0.6.0~CTP01\r\n"
CONTROLLER_LINE = b"TO~1~9511~160~18~1620458668.64~12000C~8~-63~1~P~192\r\n"


# ---------------------------------------------------------------- helpers
def one_per_line(events: list[Event]) -> list[Event]:
    """`events` with each run of plain reads given as one TagRead per line: the runs are how
    the parser groups lines, which depends on the chunking; the reads must not."""
    flat: list[Event] = []
    for item in events:
        flat += item.tag_reads() if isinstance(item, PlainReads) else [item]
    return flat


def feed(parser: ServerParser, data: bytes) -> list[Event]:
    return one_per_line(parser.feed(data))


def feed_chunks(chunks: Iterable[bytes], parser: ServerParser | None = None) -> list[Event]:
    parser = parser or ServerParser()
    events: list[Event] = []
    for chunk in chunks:
        events += feed(parser, chunk)
    return events


def bytewise(data: bytes) -> list[bytes]:
    return [data[i : i + 1] for i in range(len(data))]


def split_at(data: bytes, cuts: Iterable[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts}) if data else []
    edges = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges)]


def session(*lines: bytes, max_line: int = MAX_LINE_BYTES) -> list[Event]:
    """Events after the greeting, checked to be the same when fed one byte at a time."""
    data = GREETING + b"".join(lines)
    whole = feed(ServerParser(max_line), data)
    assert feed_chunks(bytewise(data), ServerParser(max_line)) == whole
    assert whole[0] == Greeting("SimpleClient", "0.6.0")
    return whole[1:]


def one(line: bytes) -> Event:
    events = session(line)
    assert len(events) == 1, events
    return events[0]


def first_contact(data: bytes) -> list[Event]:
    """Events of a fresh connection, checked to be chunking-independent."""
    whole = feed(ServerParser(), data)
    assert feed_chunks(bytewise(data)) == whole
    return whole


# ---------------------------------------------------------------- greeting
@pytest.mark.parametrize(
    ("data", "program", "version"),
    [
        (b"SimpleClient~0.6.0~CTP01\r\n", "SimpleClient", "0.6.0"),
        (b"TripleC~0.1.0~CTP01\n", "TripleC", "0.1.0"),
        (b"TsConnector~2.1~ctp01\r\n", "TsConnector", "2.1"),
        (b"\r\n\n  \r\nPointCam~x~Ctp01 \r\n", "PointCam", "x"),
        (b"\xef\xbb\xbfSimpleClient~0.6.0~CTP01\r\n", "SimpleClient", "0.6.0"),
        ("Zeitmeßgerät~1~CTP01\r\n".encode("cp1252"), "Zeitmeßgerät", "1"),
        ("Zeitmeßgerät~1~CTP01\r\n".encode(), "Zeitmeßgerät", "1"),
        # Only two tildes: a program called TO is not a controller.
        (b"TO~1.0~CTP01\r\n", "TO", "1.0"),
        (b"~~CTP01\r\n", "", ""),
    ],
)
def test_greeting(data: bytes, program: str, version: str) -> None:
    assert first_contact(data) == [Greeting(program, version)]


def test_greeting_then_lines_in_one_segment() -> None:
    data = GREETING + b"ping\r\nack~ping\r\n"
    assert feed(ServerParser(), data) == [
        Greeting("SimpleClient", "0.6.0"),
        ClientPing(),
        Ack("ping", ()),
    ]


def test_repeated_greeting_is_malformed() -> None:
    event = one(GREETING)
    assert isinstance(event, Malformed)
    assert event.reason == "repeated greeting ignored"


def test_parser_state_properties() -> None:
    parser = ServerParser()
    assert not parser.greeted and not parser.closed
    feed(parser, GREETING)
    assert parser.greeted and not parser.closed
    wrong = ServerParser()
    feed(wrong, b"GET ")
    assert wrong.closed


# ---------------------------------------------------------------- the spec's example session
SPEC_CLIENT = (
    b"SimpleClient~0.6.0~CTP01\r\n"
    b"ack~getconnectionid~b617318655057264e28bc0b6fb378c8ef146be00\r\n"
    b"CT01_33~1~FINISH~newlocation~00:00:00.00~0~0~0\r\n"
    b"ack~geteventinfo~21ROTM~0~\r\n"
    b"ack~getlocations~FINISH\r\n"
    b"ack~start~FINISH\r\n"
    b"CT01_33~1742~FINISH~guntime~2021-05-08T08:00:55.16~0~I11A9D~0\r\n"
    b"CT01_33~1743~FINISH~9511~2021-05-08T08:04:28.64~1~12000C~8\r\n"
    b"ack~ping\r\n"
)


def test_spec_example_session() -> None:
    assert first_contact(SPEC_CLIENT) == [
        Greeting("SimpleClient", "0.6.0"),
        Ack("getconnectionid", ("b617318655057264e28bc0b6fb378c8ef146be00",)),
        NewLocation(1, "FINISH"),
        Ack("geteventinfo", ("21ROTM", "0", "")),
        Ack("getlocations", ("FINISH",)),
        Ack("start", ("FINISH",)),
        GunTime(1742, "FINISH", "2021-05-08T08:00:55.16", "I11A9D"),
        TagRead(1743, "FINISH", "9511", "2021-05-08T08:04:28.64", 1, "12000C", 8),
        Ack("ping", ()),
    ]


# ---------------------------------------------------------------- client lines
@pytest.mark.parametrize(
    ("line", "event"),
    [
        (b"ack~getlocations\r\n", Ack("getlocations", ())),
        (
            b"ack~getlocations~FINISH~30k~ANNOUNCER\r\n",
            Ack("getlocations", ("FINISH", "30k", "ANNOUNCER")),
        ),
        (b"ack~geteventinfo~21ROTM~0~\r\n", Ack("geteventinfo", ("21ROTM", "0", ""))),
        (b"ack~ping\r\n", Ack("ping", ())),
        (b"ACK~Start~FINISH~1742\r\n", Ack("start", ("FINISH", "1742"))),
        (b"err~~unknown command\r\n", ClientError("", "unknown command")),
        (
            b"err~start~invalid location requested\r\n",
            ClientError("start", "invalid location requested"),
        ),
        (b"err~getconnectionid\r\n", ClientError("getconnectionid", "")),
        (b"err~start~a~b\r\n", ClientError("start", "a~b")),
        (b"ping\r\n", ClientPing()),
        (b"ping\n", ClientPing()),
        (b"authorize~acme~s3cret\r\n", Authorize("acme", "s3cret")),
        (b"authorize~acme~a~b\r\n", Authorize("acme", "a~b")),
        (b"authorize~acme~\r\n", Authorize("acme", "")),
    ],
)
def test_client_lines(line: bytes, event: Event) -> None:
    assert one(line) == event


@pytest.mark.parametrize(
    ("line", "event"),
    [
        (
            b"CT01_33~1743~FINISH~9511~2021-05-08T08:04:28.64~1~12000C~8\r\n",
            TagRead(1743, "FINISH", "9511", "2021-05-08T08:04:28.64", 1, "12000C", 8),
        ),
        (
            b"CT01_33~12~30k~M12~14:02:15.31~0~12000C~1\r\n",
            TagRead(12, "30k", "M12", "14:02:15.31", 0, "12000C", 1),
        ),
        (
            b"CT01_33~12345678901~FINISH1~ 42 ~1620458668.64~3~12000C~2\r\n",
            TagRead(12345678901, "FINISH1", "42", "1620458668.64", 3, "12000C", 2),
        ),
        (
            b"CT01_33~7~FINISH~GUNTIME~08:00:55.16~0~I11A9D~0\r\n",
            GunTime(7, "FINISH", "08:00:55.16", "I11A9D"),
        ),
        (
            b"CT01_33~8~START~GunTime~2021-05-08T09:00:55.16~0~0~0\r\n",
            GunTime(8, "START", "2021-05-08T09:00:55.16", "0"),
        ),
        (b"CT01_33~1~FINISH~newlocation~00:00:00.00~0~0~0\r\n", NewLocation(1, "FINISH")),
        (b"CT01_33~2~39k~NewLocation~garbage~0~0~0\r\n", NewLocation(2, "39k")),
        (
            b"CT01_13,5,FINISH,9511,08:04:28.64,1,12000C,8\r\n",
            TagRead(5, "FINISH", "9511", "08:04:28.64", 1, "12000C", 8),
        ),
        (
            b"ct01_13,5,FINISH,guntime,08:00:55.16,0,I11A9D,0\r\n",
            GunTime(5, "FINISH", "08:00:55.16", "I11A9D"),
        ),
        (
            b"CT01_23;5;A B;9;08:04:28.64;1;r;2\r\n",
            TagRead(5, "A B", "9", "08:04:28.64", 1, "r", 2),
        ),
        (b"CT01_43|5|A|9|08:04:28.64|1|r|2\r\n", TagRead(5, "A", "9", "08:04:28.64", 1, "r", 2)),
        (
            b"CT01_53\t5\tA\t9\t08:04:28.64\t1\tr\t2\r\n",
            TagRead(5, "A", "9", "08:04:28.64", 1, "r", 2),
        ),
    ],
)
def test_tag_lines(line: bytes, event: Event) -> None:
    assert one(line) == event


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b"CT01_33~1~FINISH~12~10:00:00.00\r\n", "expected 8 fields, got 5"),
        (b"CT01_33~1~FINISH~12~10:00:00.00~1~r~1~9\r\n", "expected 8 fields, got 9"),
        (b"CT01_13~1~FINISH~12~10:00:00.00~1~r~1\r\n", "expected 8 fields, got 1"),
        (b"CT01_33~x~FINISH~12~10:00:00.00~1~r~1\r\n", "sequence is not a number"),
        (b"CT01_33~-1~FINISH~12~10:00:00.00~1~r~1\r\n", "sequence is not a number"),
        (b"CT01_33~~FINISH~12~10:00:00.00~1~r~1\r\n", "sequence is not a number"),
        (b"CT01_33~1234567890123456789~F~12~10:00:00.00~1~r~1\r\n", "sequence is not a number"),
        ("CT01_33~١٢~F~12~10:00:00.00~1~r~1\r\n".encode(), "sequence is not a number"),
        (b"CT01_33~1~FINISH~12~10:00:00.00~one~r~1\r\n", "lap is not a number"),
        (b"CT01_33~1~FINISH~12~10:00:00.00~1~r~\r\n", "gator is not a number"),
        (b"CT01_33~1~~12~10:00:00.00~1~r~1\r\n", "empty location"),
        (b"CT01_33~1~  ~12~10:00:00.00~1~r~1\r\n", "empty location"),
        (b"CT01_13,1,FIN~ISH,12,10:00:00.00,1,r,1\r\n", "location contains '~'"),
        (b"CT01_33~1~FINISH~ ~10:00:00.00~1~r~1\r\n", "empty tag"),
        (b"CT01_33~1~FINISH~12~10:61:00.00~1~r~1\r\n", "bad time: "),
        (b"CT01_33~1~FINISH~12~43455310~1~r~1\r\n", "bad time: "),
        (b"CT01_33~1~FINISH~guntime~soon~0~r~0\r\n", "bad time: "),
        (b"CT01_73~1~FINISH~12~10:00:00.00~1~r~1\r\n", "unknown separator digit 7"),
        (b"CT01_3x~1~FINISH~12~10:00:00.00~1~r~1\r\n", "tag format must be"),
        (b"CT01_333~1~FINISH~12~10:00:00.00~1~r~1\r\n", "bad tag format field"),
        (b"ack\r\n", "ack without a command"),
        (b"ack~\r\n", "ack without a command"),
        (b"err\r\n", "err without a command"),
        (b"authorize~acme\r\n", "authorize needs a user and a secret"),
        (b"OK\r\n", "unknown line"),
        (b"hello world\r\n", "unknown line"),
        (b"TO~1~9511~160~18~1620458668.64~12000C~8~-63~1~P~192\r\n", "unknown line"),
        (b"ping\x00\r\n", "control character"),
        (b"ping\r\r\n", "control character"),
    ],
)
def test_malformed(line: bytes, reason: str) -> None:
    event = one(line)
    assert isinstance(event, Malformed), event
    assert reason in event.reason
    assert event.line == line.decode("utf-8").removesuffix("\n").removesuffix("\r")


def test_malformed_does_not_stop_the_session() -> None:
    assert session(b"nonsense\r\n", b"ping\r\n") == [
        Malformed("nonsense", "unknown line starting 'nonsense'"),
        ClientPing(),
    ]


def test_parse_client_line_directly() -> None:
    assert parse_client_line("ping") == ClientPing()
    assert parse_client_line("CT01_13,1,A,7,10:00:00.00,1,r,1") == TagRead(
        1, "A", "7", "10:00:00.00", 1, "r", 1
    )


# ---------------------------------------------------------------- framing
def test_empty_lines_and_bare_lf_are_skipped() -> None:
    assert session(b"\r\n", b"\n", b"\n\n\r\n", b" \t \r\n", b"ping\n", b"\r\n") == [ClientPing()]


def test_crlf_lf_and_final_line_without_lf() -> None:
    parser = ServerParser()
    assert feed(parser, GREETING + b"ping\r\nack~ping\nping") == [
        Greeting("SimpleClient", "0.6.0"),
        ClientPing(),
        Ack("ping", ()),
    ]
    assert feed(parser, b"\r") == []
    assert feed(parser, b"\n") == [ClientPing()]


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("Zieleinlauf Süd", "cp1252"),
        ("Zieleinlauf Süd", "utf-8"),
        ("Ziel Süd-Ost ÄÖÜß", "cp1252"),
        ("Ziel Süd-Ost ÄÖÜß", "utf-8"),
        ("Zürich", "cp1252"),
        ("Čachtice", "utf-8"),
        ("終点", "utf-8"),
    ],
)
def test_non_ascii_location_names(name: str, encoding: str) -> None:
    line = tag_line(3, name, "42", "08:00:00.00", 1, "12000C", 4, encoding=encoding)
    parser = ServerParser()
    events = feed(parser, GREETING + line)
    assert events[1] == TagRead(3, name, "42", "08:00:00.00", 1, "12000C", 4)
    # The server must spell the location back the way the client did.
    assert parser.encoding == encoding
    assert command("start", name, encoding=parser.encoding) == f"start~{name}\r\n".encode(encoding)


def test_undefined_cp1252_bytes_do_not_raise() -> None:
    # 0x81, 0x8d, 0x8f, 0x90 and 0x9d are undefined in cp1252 and not UTF-8 either.
    events = session(b"CT01_33~1~A\x81\x8d\x8f\x90\x9d~7~10:00:00.00~1~r~1\r\n")
    assert events == [TagRead(1, "A\ufffd\ufffd\ufffd\ufffd\ufffd", "7", "10:00:00.00", 1, "r", 1)]


def test_garbage_does_not_change_the_encoding() -> None:
    parser = ServerParser()
    feed(parser, GREETING + "ack~getlocations~Zürich\r\n".encode())
    feed(parser, "nonsense ü\r\n".encode("cp1252"))
    assert parser.encoding == "utf-8"


# ---------------------------------------------------------------- over-long lines
def test_overlong_line_is_dropped_and_the_next_line_parses() -> None:
    long_line = b"CT01_33~1~FINISH~" + b"9" * 3000 + b"~10:00:00.00~1~r~1\r\n"
    events = session(long_line, b"ping\r\n")
    assert events == [Overlong(len(long_line) - 2), ClientPing()]


@pytest.mark.parametrize("max_line", [9, 10, 40])
def test_overlong_boundary(max_line: int) -> None:
    exact = b"a" * max_line
    over = b"b" * (max_line + 1)
    data = b"P~1~CTP01\r\n" + exact + b"\r\n" + exact + b"\n" + over + b"\r\n" + over + b"\n"
    whole = feed(ServerParser(max_line), data)
    assert feed_chunks(bytewise(data), ServerParser(max_line)) == whole
    unknown = Malformed("a" * max_line, f"unknown line starting {('a' * min(max_line, 20))!r}")
    assert whole == [
        Greeting("P", "1"),
        unknown,
        unknown,
        Overlong(max_line + 1),
        Overlong(max_line + 1),
    ]


def test_overlong_line_is_reported_once_and_not_buffered() -> None:
    parser = ServerParser()
    feed(parser, GREETING)
    block = b"x" * 65536
    for _ in range(160):  # 10 MiB without a line end
        assert feed(parser, block) == []
        # Only the first max_line + 1 bytes of a line are ever kept.
        assert len(parser._lines.pending) <= MAX_LINE_BYTES + 1
    assert feed(parser, b"\r\nping\r\n") == [Overlong(160 * 65536), ClientPing()]


def test_constructor_rejects_a_useless_limit() -> None:
    with pytest.raises(ValueError):
        ServerParser(0)
