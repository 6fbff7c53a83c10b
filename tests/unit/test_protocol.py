"""The sans-IO CTP01 parsers and encoders: events, wrong protocols, chunking, fuzzing."""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Iterable
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from p88.tcp.protocol import (
    MAX_LINE_BYTES,
    WRONG_PROTOCOL_KINDS,
    Ack,
    Authorize,
    ClientError,
    ClientParser,
    ClientPing,
    Command,
    Event,
    Greeting,
    GunTime,
    Malformed,
    NewLocation,
    Overlong,
    PlainReads,
    Request,
    ServerEvent,
    ServerHello,
    ServerParser,
    ServerProtocolError,
    TagRead,
    WrongProtocol,
    ack,
    authorize,
    client_error,
    client_greeting,
    command,
    encode_line,
    parse_client_line,
    recommended_requests,
    server_hello,
    tag_line,
)
from p88.tcp.wallclock import format_local, format_normal, format_unix, parse_wall_time

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


# ---------------------------------------------------------------- wrong protocols
TLS_CLIENT_HELLO = bytes.fromhex("160301020001000200030300") + bytes(range(40))

WRONG = [
    pytest.param(TLS_CLIENT_HELLO, "tls", id="tls"),
    pytest.param(b"\x16\x03", "tls", id="tls-two-bytes"),
    pytest.param(b"GET / HTTP/1.1\r\nHost: timing:61611\r\n\r\n", "http", id="get"),
    pytest.param(b"POST /api HTTP/1.1\r\n", "http", id="post"),
    pytest.param(b"HEAD / HTTP/1.0\r\n", "http", id="head"),
    pytest.param(b"PUT /x HTTP/1.1\r\n", "http", id="put"),
    pytest.param(b"OPTIONS * HTTP/1.1\r\n", "http", id="options"),
    pytest.param(b"CONNECT example.com:443 HTTP/1.1\r\n", "http", id="connect"),
    pytest.param(b"DELETE /x HTTP/1.1\r\n", "http", id="delete"),
    pytest.param(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "http", id="http2"),
    pytest.param(CONTROLLER_LINE * 3, "controller", id="controller"),
    pytest.param(b"TO~5\r\n", "controller", id="controller-short"),
    pytest.param(b"@Store@1~9511~08:04:28.64\r\n", "chuckscore", id="chuckscore-store"),
    pytest.param(b"@", "chuckscore", id="chuckscore-at"),
    pytest.param(b"GetInfo\r\n", "chuckscore", id="chuckscore-getinfo"),
    pytest.param(b"CT01_33~1~FINISH~9511~08:04:28.64~1~12000C~8\r\n", "no-greeting", id="tag"),
    pytest.param(b"CT01_13,1,FINISH,9511,08:04:28.64,1,12000C,8\r\n", "no-greeting", id="tag13"),
    pytest.param(b"ack~ping\r\n", "no-greeting", id="ack"),
    pytest.param(b"ping\r\n", "no-greeting", id="ping"),
    pytest.param(b"\x00\x00\x00\x00", "binary", id="nul"),
    pytest.param(b"\x16\x01\x00", "binary", id="not-tls"),
    pytest.param(b"\x16\n", "binary", id="lone-0x16"),
    pytest.param(b"SSH-2.0-OpenSSH_9.2\r\n", "unknown", id="ssh"),
    pytest.param(b"\xff\xfb\xff\xfe\r\n", "unknown", id="high-bytes"),
    pytest.param(b"Simple\rClient~0.6.0~CTP01\r\n", "binary", id="inner-cr"),
    pytest.param(b"x" * 5000, "binary", id="overlong-no-lf"),
    pytest.param(b"x" * 5000 + b"\r\n", "binary", id="overlong"),
    pytest.param(b"hello\r\n", "unknown", id="text"),
    pytest.param(b"SimpleClient~0.6.0\r\n", "unknown", id="two-fields"),
    pytest.param(b"SimpleClient~0.6.0~CTP02\r\n", "unknown", id="ctp02"),
]


@pytest.mark.parametrize(("data", "kind"), WRONG)
def test_wrong_protocol(data: bytes, kind: str) -> None:
    events = first_contact(data)
    assert len(events) == 1 and isinstance(events[0], WrongProtocol), events
    assert events[0].kind == kind
    assert events[0].hint.endswith(".") and len(events[0].hint) > 30


@pytest.mark.parametrize(("data", "kind"), WRONG)
def test_after_wrong_protocol_nothing_more(data: bytes, kind: str) -> None:
    parser = ServerParser()
    feed(parser, data + b"\r\n")
    assert parser.closed
    assert feed(parser, GREETING + b"ping\r\n") == []


def test_every_kind_is_tested() -> None:
    tested = {p.values[1] for p in WRONG}
    assert tested == WRONG_PROTOCOL_KINDS


def test_hints_name_the_fix() -> None:
    hints: dict[str, str] = {}
    for data, kind in (p.values for p in WRONG):
        assert isinstance(data, bytes) and isinstance(kind, str)
        event = first_contact(data)[0]
        assert isinstance(event, WrongProtocol)
        hints[kind] = event.hint
    assert "Protocol Mode" in hints["chuckscore"]
    assert "CTP01" in hints["controller"] and "middleware" in hints["controller"]
    assert "Protocol Mode" in hints["no-greeting"]
    ctp02 = feed(ServerParser(), b"X~1~CTP02\r\n")[0]
    assert isinstance(ctp02, WrongProtocol) and "'CTP02'" in ctp02.hint


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"\x16\x03", "tls"),
        (b"GET ", "http"),
        (b"PRI * HTTP", "http"),
        (b"TO~1~9511~", "controller"),
        (b"@", "chuckscore"),
        (b"\x00", "binary"),
        (b"x" * (MAX_LINE_BYTES + 2), "binary"),
    ],
)
def test_wrong_protocol_is_recognised_before_the_line_end(data: bytes, kind: str) -> None:
    events = feed(ServerParser(), data)
    assert [e.kind for e in events if isinstance(e, WrongProtocol)] == [kind]


@pytest.mark.parametrize(
    "data",
    [
        b"\x16",
        b"GET",
        b"PRI * HTT",
        b"TO~1.0~",
        b"SimpleClient~0.6",
        b"CT01_33~1~",
        b"x" * (MAX_LINE_BYTES + 1),
    ],
)
def test_undecided_prefix_waits(data: bytes) -> None:
    assert feed(ServerParser(), data) == []


def test_blank_lines_before_wrong_protocol() -> None:
    assert [type(e) for e in first_contact(b"\r\n\r\nGET / HTTP/1.1\r\n")] == [WrongProtocol]


# ---------------------------------------------------------------- encoders
def test_encode_line() -> None:
    assert encode_line("ping") == b"ping\r\n"
    assert encode_line("ack", "authorize") == b"ack~authorize\r\n"
    assert encode_line("a", "", "b") == b"a~~b\r\n"
    for bad in ("a~b", "a\rb", "a\nb"):
        with pytest.raises(ValueError):
            encode_line("start", bad)
    with pytest.raises(ValueError):
        encode_line("start", "終点", encoding="cp1252")


def test_server_hello_matches_the_spec_example() -> None:
    assert server_hello("p88", "1.0", recommended_requests()) == (
        b"p88~1.0~8\r\n"
        b"stream-mode=push\r\n"
        b"location=multi\r\n"
        b"guntimes=true\r\n"
        b"newlocations=true\r\n"
        b"connection-id=true\r\n"
        b"pushmode-ack=true\r\n"
        b"time-format=iso\r\n"
        b"tagevent-format=CT01_33\r\n"
    )
    assert server_hello("p88", "1.0", []) == b"p88~1.0~0\r\n"


@pytest.mark.parametrize(
    "requests", [[("", "x")], [("a=b", "c")], [("k", "v\r\n")], [("k\n", "v")], [("k", "a~b")]]
)
def test_server_hello_rejects_bad_requests(requests: list[tuple[str, str]]) -> None:
    with pytest.raises(ValueError):
        server_hello("p88", "1.0", requests)


def test_recommended_requests_with_authentication() -> None:
    base = recommended_requests()
    assert [k for k, _ in base] == [
        "stream-mode",
        "location",
        "guntimes",
        "newlocations",
        "connection-id",
        "pushmode-ack",
        "time-format",
        "tagevent-format",
    ]
    assert recommended_requests("plaintext") == [*base, ("authentication", "plaintext")]
    assert recommended_requests("plaintext", seed="s") == [*base, ("authentication", "plaintext")]
    for method in ("seed-sha1", "seed-md5", "hmac-sha1", "hmac-md5"):
        assert recommended_requests(method, seed="4f2a") == [
            *base,
            ("authentication", method),
            ("authentication-seed", "4f2a"),
        ]
        with pytest.raises(ValueError, match="needs a seed"):
            recommended_requests(method)
    with pytest.raises(ValueError, match="unknown"):
        recommended_requests("kerberos")


def test_command() -> None:
    assert command("start", "FINISH", "1742") == b"start~FINISH~1742\r\n"
    assert command("getdata", "100", "FINISH", "1") == b"getdata~100~FINISH~1\r\n"
    assert command("getconnectionid") == b"getconnectionid\r\n"
    assert command("err", "authorize", "bad password") == b"err~authorize~bad password\r\n"


# ---------------------------------------------------------------- client side
SPEC_SERVER = (
    server_hello("p88", "1.0", recommended_requests())
    + command("getconnectionid")
    + command("geteventinfo")
    + command("getlocations")
    + command("start", "FINISH", "1742")
    + command("ping")
    + command("ack", "authorize")
    + command("err", "authorize", "bad password")
)


def test_client_parser_reads_the_spec_example() -> None:
    expected: list[ServerEvent] = [
        ServerHello("p88", "1.0", 8),
        *(Request(k, v) for k, v in recommended_requests()),
        Command("getconnectionid", ()),
        Command("geteventinfo", ()),
        Command("getlocations", ()),
        Command("start", ("FINISH", "1742")),
        Command("ping", ()),
        Command("ack", ("authorize",)),
        Command("err", ("authorize", "bad password")),
    ]
    assert ClientParser().feed(SPEC_SERVER) == expected
    parser = ClientParser()
    assert [e for b in bytewise(SPEC_SERVER) for e in parser.feed(b)] == expected


def test_client_parser_no_requests_and_blank_lines() -> None:
    assert ClientParser().feed(b"srv~2~0\r\n\r\nping\n") == [
        ServerHello("srv", "2", 0),
        Command("ping", ()),
    ]


@pytest.mark.parametrize(
    "data",
    [
        b"OK\r\n",
        b"p88~1.0\r\n",
        b"p88~1.0~x\r\n",
        b"p88~1.0~-1\r\n",
        b"p88~1.0~1\r\nnot a request\r\n",
        b"x" * 2000 + b"\n",
    ],
)
def test_client_parser_rejects_what_a_client_would(data: bytes) -> None:
    with pytest.raises(ServerProtocolError):
        ClientParser().feed(data)


def test_client_encoders() -> None:
    assert client_greeting("SimpleClient", "0.6.0") == b"SimpleClient~0.6.0~CTP01\r\n"
    assert ack("getlocations") == b"ack~getlocations\r\n"
    assert ack("geteventinfo", "21ROTM", "0", "") == b"ack~geteventinfo~21ROTM~0~\r\n"
    assert client_error("", "unknown command") == b"err~~unknown command\r\n"
    assert authorize("acme", "secret") == b"authorize~acme~secret\r\n"
    assert (
        tag_line(1743, "FINISH", "9511", "2021-05-08T08:04:28.64", 1, "12000C", 8)
        == b"CT01_33~1743~FINISH~9511~2021-05-08T08:04:28.64~1~12000C~8\r\n"
    )
    assert (
        tag_line(5, "FINISH", "9511", "08:04:28.64", 1, "12000C", 8, fmt="CT01_13")
        == b"CT01_13,5,FINISH,9511,08:04:28.64,1,12000C,8\r\n"
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"fmt": "CT01_63"},
        {"fmt": "CT02_33"},
        {"location": "A~B"},
        {"tag": "1\r\n"},
        {"fmt": "CT01_13", "location": "A,B"},
        {"sequence": -1},
    ],
)
def test_tag_line_rejects_what_it_cannot_send(kwargs: dict[str, object]) -> None:
    args: dict[str, object] = {
        "sequence": 1,
        "location": "A",
        "tag": "1",
        "time": "10:00:00.00",
        "lap": 1,
        "reader_id": "r",
        "gator": 1,
    }
    with pytest.raises(ValueError):
        tag_line(**{**args, **kwargs})  # type: ignore[arg-type]


# ---------------------------------------------------------------- round trips (Hypothesis)
def _clean(text: str) -> bool:
    return bool(text) and text == text.strip()


field_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="~,;|"),
    min_size=1,
    max_size=16,
)
locations = field_text.filter(lambda s: bool(s.strip()))
tags = field_text.filter(lambda s: _clean(s) and s.lower() not in ("guntime", "newlocation"))
readers = field_text.filter(_clean)
hundredths = st.builds(
    lambda dt, h: dt.replace(microsecond=h * 10_000),
    st.datetimes(min_value=datetime(1974, 1, 1), max_value=datetime(2100, 1, 1)),
    st.integers(0, 99),
)
wire_times = st.one_of(
    hundredths.map(format_local),
    hundredths.map(format_unix),
    hundredths.map(format_normal),
    st.integers(-3600, 200 * 3600).map(lambda s: format_normal(timedelta(seconds=s))),
)
formats = st.sampled_from(["CT01_33", "CT01_13", "CT01_23", "CT01_43", "CT01_53"])
sequences = st.integers(0, 10**12)
small = st.integers(0, 999)

tag_reads = st.builds(TagRead, sequences, locations, tags, wire_times, small, readers, small)
gun_times = st.builds(GunTime, sequences, locations, wire_times, readers)
new_locations = st.builds(NewLocation, sequences, locations)


def encode_event(event: Event, fmt: str = "CT01_33", encoding: str = "utf-8") -> bytes:
    match event:
        case TagRead(seq, loc, tag, t, lap, reader, gator):
            return tag_line(seq, loc, tag, t, lap, reader, gator, fmt=fmt, encoding=encoding)
        case GunTime(seq, loc, t, reader):
            return tag_line(seq, loc, "guntime", t, 0, reader, 0, fmt=fmt, encoding=encoding)
        case NewLocation(seq, loc):
            return tag_line(
                seq, loc, "newlocation", "00:00:00.00", 0, "0", 0, fmt=fmt, encoding=encoding
            )
        case Ack(cmd, args):
            return ack(cmd, *args, encoding=encoding)
        case ClientError(cmd, message):
            return client_error(cmd, message)
        case Authorize(user, secret):
            return authorize(user, secret)
        case ClientPing():
            return b"ping\r\n"
    raise AssertionError(event)


@given(st.one_of(tag_reads, gun_times, new_locations), formats)
def test_tag_events_round_trip(event: Event, fmt: str) -> None:
    if (
        isinstance(event, TagRead | GunTime | NewLocation)
        and "\t" in event.location
        and fmt == "CT01_53"
    ):
        return  # a tab cannot be sent inside a tab-separated line
    try:
        line = encode_event(event, fmt)
    except ValueError:
        return  # a field held the separator or a line break
    assert feed(ServerParser(), GREETING + line)[1:] == [event]


# Latin-1 letters that are all UTF-8 lead bytes in cp1252, so a cp1252 line is never valid UTF-8.
cp1252_text = st.text(alphabet="abcXYZ 09-äöüßéèÄÖÜ", min_size=1, max_size=16).filter(_clean)


@given(cp1252_text, cp1252_text, sequences)
def test_cp1252_round_trip(location: str, tag: str, sequence: int) -> None:
    event = TagRead(sequence, location, tag, "08:04:28.64", 1, "12000C", 2)
    assert feed(ServerParser(), GREETING + encode_event(event, encoding="cp1252"))[1:] == [event]


words = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyz0123456789 -_.", min_size=1, max_size=12
).filter(_clean)
client_messages = st.one_of(
    st.builds(Ack, words.map(str.lower), st.lists(words, max_size=4).map(tuple)),
    st.builds(ClientError, words.map(str.lower), words),
    st.builds(Authorize, words, words),
    st.just(ClientPing()),
)


@given(client_messages)
def test_client_messages_round_trip(event: Event) -> None:
    assert feed(ServerParser(), GREETING + encode_event(event))[1:] == [event]


@given(
    words.filter(lambda s: "~" not in s),
    words,
    st.lists(st.tuples(words.filter(lambda s: "=" not in s), words), max_size=10),
    st.lists(st.tuples(words, st.lists(words, max_size=3)), max_size=10),
)
def test_server_messages_round_trip(
    name: str, version: str, requests: list[tuple[str, str]], commands: list[tuple[str, list[str]]]
) -> None:
    data = server_hello(name, version, requests) + b"".join(command(c, *a) for c, a in commands)
    assert ClientParser().feed(data) == [
        ServerHello(name, version, len(requests)),
        *(Request(k, v) for k, v in requests),
        *(Command(c, tuple(a)) for c, a in commands),
    ]


# ---------------------------------------------------------------- chunking independence
junk_lines = st.binary(max_size=60).map(lambda b: b.replace(b"\n", b"") + b"\r\n")
# Long enough for the run of plain reads to apply (p88.tcp.plain_runs.plain_line_pattern).
STREAM_MAX_LINE = 120
overlong_lines = st.integers(STREAM_MAX_LINE + 1, 400).map(lambda n: b"o" * n + b"\r\n")
blank_lines = st.sampled_from([b"\r\n", b"\n", b" \t\r\n"])
stream_lines = st.one_of(
    st.one_of(tag_reads, gun_times, new_locations, client_messages)
    .map(encode_event)
    .filter(lambda b: len(b) <= STREAM_MAX_LINE),
    junk_lines,
    overlong_lines,
    blank_lines,
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(stream_lines, max_size=40), st.lists(st.integers(0, 10**6), max_size=30))
def test_session_stream_is_chunking_independent(lines: list[bytes], cuts: list[int]) -> None:
    data = GREETING + b"".join(lines)
    whole = feed(ServerParser(STREAM_MAX_LINE), data)
    assert feed_chunks(bytewise(data), ServerParser(STREAM_MAX_LINE)) == whole
    assert feed_chunks(split_at(data, cuts), ServerParser(STREAM_MAX_LINE)) == whole
    assert len([e for e in whole if isinstance(e, Overlong)]) == sum(
        1 for line in lines if line.startswith(b"ooo")
    )


openings = st.sampled_from(
    [
        b"",
        b"\x16",
        b"\x16\x03",
        b"GET",
        b"PRI * HT",
        b"TO~",
        b"TO~1~",
        b"@",
        b"CT01_",
        b"\r\n",
        b"x" * 79,
    ]
)


@settings(max_examples=300)
@given(
    openings, st.binary(max_size=120), st.booleans(), st.lists(st.integers(0, 10**6), max_size=8)
)
def test_first_contact_is_chunking_independent(
    opening: bytes, rest: bytes, greet: bool, cuts: list[int]
) -> None:
    data = opening + rest + (b"\r\n" + GREETING + b"ping\r\n" if greet else b"")
    whole = feed(ServerParser(80), data)
    assert feed_chunks(bytewise(data), ServerParser(80)) == whole
    assert feed_chunks(split_at(data, cuts), ServerParser(80)) == whole
    assert len([e for e in whole if isinstance(e, WrongProtocol | Greeting)]) <= 1


# ---------------------------------------------------------------- fuzzing
VALID_LINES = [
    GREETING,
    CONTROLLER_LINE,
    b"CT01_33~1743~FINISH~9511~2021-05-08T08:04:28.64~1~12000C~8\r\n",
    b"CT01_33~1742~FINISH~guntime~2021-05-08T08:00:55.16~0~I11A9D~0\r\n",
    b"CT01_33~1~FINISH~newlocation~00:00:00.00~0~0~0\r\n",
    b"CT01_13,5,FINISH,9511,1620458668.64,1,12000C,8\r\n",
    b"CT01_33~12~30k~M12~-00:00:03.25~0~12000C~1\r\n",
    b"ack~geteventinfo~21ROTM~0~\r\n",
    b"err~~unknown command\r\n",
    b"authorize~acme~s3cret\r\n",
    b"ping\r\n",
    b"GET / HTTP/1.1\r\n",
    b"@Store@1\r\n",
    "CT01_33~1~Zieleinlauf Süd~7~08:00:00.00~1~r~1\r\n".encode("cp1252"),
]
INTERESTING = b"~,;|\t\r\n\x00\x16\x03\xff\x81:.-0123456789CT_@"


def mutate(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(5)
        pos = rng.randrange(len(buf) + 1)
        if op == 0 and buf:
            del buf[min(pos, len(buf) - 1)]
        elif op == 1:
            buf.insert(pos, rng.choice(INTERESTING))
        elif op == 2 and buf:
            buf[min(pos, len(buf) - 1)] = rng.randrange(256)
        elif op == 3:
            buf[pos:pos] = rng.choice(VALID_LINES)
        else:
            del buf[pos:]
    return bytes(buf)


def fuzz_input(rng: random.Random) -> bytes:
    if rng.random() < 0.3:
        return rng.randbytes(rng.randrange(200))
    return mutate(rng, b"".join(rng.choices(VALID_LINES, k=rng.randint(1, 3))))


def test_fuzz_feed_never_raises() -> None:
    rng = random.Random(8861611)
    start = time.monotonic()
    for i in range(100_000):
        data = fuzz_input(rng)
        greeted = ServerParser(96)
        feed(greeted, GREETING)
        for parser in (ServerParser(96), greeted):
            # Alternate whole inputs and random two-way splits to exercise partial lines.
            cut = rng.randrange(len(data) + 1) if i % 2 else len(data)
            events = feed(parser, data[:cut]) + feed(parser, data[cut:]) + feed(parser, b"\n")
            assert all(isinstance(e, Event) for e in events), (data, events)
    assert time.monotonic() - start < 60


def test_fuzz_client_parser_raises_only_protocol_errors() -> None:
    rng = random.Random(61611)
    for _ in range(20_000):
        data = mutate(rng, SPEC_SERVER)
        try:
            events = ClientParser(96).feed(data)
        except ServerProtocolError:
            continue
        assert all(isinstance(e, ServerHello | Request | Command) for e in events)


# ---------------------------------------------------------------- real controller data
def _finish1_rows() -> list[list[str]]:
    sampledata = pytest.importorskip("p88.sampledata")
    path = sampledata.race_21rotm_path() / "FINISH1" / "5071909.csv"
    if not path.is_file():
        pytest.skip("21ROTM sample data not installed")
    return [line.split("~") for line in path.read_text().splitlines()]


def test_real_controller_file_is_recognised() -> None:
    rows = _finish1_rows()
    raw = "".join("~".join(row) + "\r\n" for row in rows).encode()
    events = feed(ServerParser(), raw)
    assert [e.kind for e in events if isinstance(e, WrongProtocol)] == ["controller"]


def _unix_as_iso(text: str) -> str:
    moment = parse_wall_time(text)
    assert isinstance(moment, datetime)
    return format_local(moment)


@pytest.mark.parametrize("time_format", ["unix", "iso"])
def test_real_reads_as_ctp01(time_format: str) -> None:
    rows = _finish1_rows()
    stamps = [r[5] if time_format == "unix" else _unix_as_iso(r[5]) for r in rows]
    data = GREETING + b"".join(
        tag_line(int(r[1]), "FINISH1", r[2].lstrip("0"), t, 1, r[6], int(r[7]))
        for r, t in zip(rows, stamps, strict=True)
    )
    events = feed_chunks(split_at(data, range(0, len(data), 1337)))
    reads = [e for e in events if isinstance(e, TagRead)]
    assert len(reads) == len(rows) == len(events) - 1
    assert [parse_wall_time(r.time) for r in reads] == [parse_wall_time(r[5]) for r in rows]
