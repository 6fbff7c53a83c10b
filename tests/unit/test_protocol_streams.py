"""Whole streams: chunking independence, fuzzing, real controller data."""

from __future__ import annotations

import random
import time
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from p88.tcp.protocol import (
    ClientParser,
    Command,
    Event,
    Greeting,
    Overlong,
    Request,
    ServerHello,
    ServerParser,
    ServerProtocolError,
    TagRead,
    WrongProtocol,
    tag_line,
)
from p88.tcp.wallclock import format_local, parse_wall_time
from tests.unit.test_protocol import (
    CONTROLLER_LINE,
    GREETING,
    bytewise,
    feed,
    feed_chunks,
    split_at,
)
from tests.unit.test_protocol_encoders import (
    SPEC_SERVER,
    client_messages,
    encode_event,
    gun_times,
    new_locations,
    tag_reads,
)

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
