"""The server parser on first contact with something that is not CTP01 middleware."""

from __future__ import annotations

import pytest

from p88.tcp.protocol import (
    MAX_LINE_BYTES,
    WRONG_PROTOCOL_KINDS,
    ServerParser,
    WrongProtocol,
)
from tests.unit.test_protocol import CONTROLLER_LINE, GREETING, feed, first_contact

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
