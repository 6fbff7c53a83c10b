"""The parser's fast path for chunks of plain reads (p88.tcp.plain_runs) must give exactly
the reads and times of the line path (p88.tcp.client_lines), and take exactly the lines its
rules promise."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from p88.tcp.plain_runs import plain_line_pattern, plain_runs
from p88.tcp.protocol import (
    MAX_LINE_BYTES,
    Event,
    PlainReads,
    ServerParser,
    TagRead,
    parse_client_line,
)
from p88.tcp.wallclock import ISO_SHAPE
from tests.unit.test_protocol import GREETING, bytewise, one_per_line

FIELD = st.text(
    alphabet=st.characters(min_codepoint=0x09, max_codepoint=0x7E, exclude_characters="\r\n"),
    max_size=12,
)
DIGITS = st.one_of(
    st.from_regex(r"[0-9]{1,20}", fullmatch=True), st.integers(0, 10**9 - 1).map(str)
)
VALID_ISO = st.builds(
    lambda when, separator, digits: when.isoformat(separator)[: 19 + digits + (digits > 0)],
    st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31)).map(
        lambda when: when.replace(microsecond=when.microsecond or 1)
    ),
    st.sampled_from("T "),
    st.integers(0, 6),
)
TIME = st.one_of(
    st.from_regex(
        r"20[0-9]{2}-[01][0-9]-[0-3][0-9][T ][0-2][0-9]:[0-5][0-9]:[0-5][0-9](\.[0-9]{1,7})?",
        fullmatch=True,
    ),
    st.from_regex(r"-?[0-9]{1,3}:[0-9]{2}:[0-9]{2}\.[0-9]{2}", fullmatch=True),
    FIELD,
)


SOLID_FIELD = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7D), max_size=12)


def mostly(plain: st.SearchStrategy[str], other: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Usually a plain field, sometimes anything: lines one field away from plain."""
    return st.one_of(plain, plain, plain, plain, plain, plain, other)


@settings(max_examples=1500)
@given(
    mostly(DIGITS, FIELD),
    mostly(st.sampled_from(["FINISH", "START LINE ", "30k"]), FIELD),
    mostly(
        SOLID_FIELD.filter(bool),
        st.one_of(FIELD, st.sampled_from(["guntime", "GUNTIME", "newlocation", " 9511 "])),
    ),
    mostly(VALID_ISO, TIME),
    mostly(DIGITS, FIELD),
    mostly(SOLID_FIELD, FIELD),
    mostly(DIGITS, FIELD),
    mostly(st.just("CT01_33"), st.sampled_from(["CT01_13", "CT01_3", "ct01_33"])),
)
def test_a_line_the_fast_path_takes_is_the_read_the_line_path_gives(
    seq: str, loc: str, tag: str, time: str, lap: str, reader: str, gator: str, fmt: str
) -> None:
    line = "~".join([fmt, seq, loc, tag, time, lap, reader, gator])
    data = line.encode("ascii") + b"\r\n"
    (piece,) = plain_runs(data, MAX_LINE_BYTES)
    event(f"fast path took it: {piece != data}")
    if piece == data:
        return  # left to the line path
    assert isinstance(piece, PlainReads)
    (fast,) = piece.tag_reads()
    full = parse_client_line(line)
    assert isinstance(full, TagRead)
    assert fast == full
    assert fast.when == full.when


def test_the_fast_path_takes_a_real_line_and_leaves_special_ones() -> None:
    (run,) = plain_runs(b"CT01_33~1743~FINISH~9511~2021-05-08T08:04:28.64~1~12000C~8\r\n", 1024)
    assert isinstance(run, PlainReads)
    assert run.tag_reads() == [
        TagRead(1743, "FINISH", "9511", "2021-05-08T08:04:28.64", 1, "12000C", 8)
    ]
    for odd in (
        b"CT01_33~1~FINISH~guntime~2021-05-08T08:00:55.16~0~I11A9D~0\r\n",
        b"CT01_13,1,FINISH,9511,2021-05-08T08:04:28.64,1,12000C,8\r\n",
        "CT01_33~1~Süd~1~2021-05-08T08:04:28.64~1~A~1\r\n".encode("cp1252"),
        b"CT01_33~1~FINISH~ 9511~2021-05-08T08:04:28.64~1~12000C~8\r\n",
    ):
        assert plain_runs(odd, 1024) == [odd]


# ---------------------------------------------------------------- whole chunks of plain reads
PLAIN = b"CT01_33~1743~FINISH~9511~2021-05-08T08:04:28.64~1~12000C~8\r\n"


_PRINTABLE = re.compile("[ -}]*")  # printable ASCII but '~'


def plain_by_the_rules(line: bytes, parsed: Event) -> bool:
    """Whether the run path promises to take `line`, given what the line path made of it: a
    read in CT01_33 with plain digits, an ISO time, printable ASCII, no spaces in the tag or
    reader id and none before the location."""
    raw = line.rstrip(b"\n").removesuffix(b"\r")
    fields = raw.decode("latin-1").split("~")
    if not isinstance(parsed, TagRead) or len(fields) != 8:
        return False
    fmt, seq, location, tag, time, lap, reader, gator = fields
    return (
        fmt == "CT01_33"
        and all(_PRINTABLE.fullmatch(field) for field in fields)
        and all(number.isdigit() for number in (seq, lap, gator))
        and not location.startswith(" ")
        and " " not in tag + reader
        and re.fullmatch(ISO_SHAPE, time) is not None
    )


def line_by_line(data: bytes, max_line: int) -> list[Event]:
    """The line path alone: fed a byte at a time, no chunk ever holds a whole line."""
    parser = ServerParser(max_line)
    events: list[Event] = []
    for byte in bytewise(data):
        events += parser.feed(byte)
    assert not any(isinstance(e, PlainReads) for e in events)
    return events


def test_a_chunk_of_plain_reads_is_one_run_equal_to_the_lines() -> None:
    lines = [
        PLAIN,
        b"CT01_33~1744~FINISH~M12~2021-05-08 08:04:28.6~1~~8\n",
        b"CT01_33~1745~START LINE ~9513~2021-05-08T08:04:29~12~R1~0\r\n",
    ]
    parser = ServerParser()
    parser.feed(GREETING)  # middleware greets, then waits for the server's answer
    events = parser.feed(b"".join(lines))
    assert len(events) == 1 and isinstance(events[0], PlainReads)
    run = events[0]
    assert len(run) == 3
    assert run.tag_reads() == line_by_line(GREETING + b"".join(lines), MAX_LINE_BYTES)[1:]
    assert run.tags == ("9511", "M12", "9513")
    assert run.reader_ids == ("12000C", "", "R1")
    assert run.locations == ("FINISH", "FINISH", "START LINE ")
    assert run.whens[2] == datetime(2021, 5, 8, 8, 4, 29)


def test_a_line_begun_in_the_last_chunk_ends_by_the_line_path_and_the_rest_is_a_run() -> None:
    parser = ServerParser()
    assert parser.feed(GREETING + PLAIN[:30])[1:] == []
    events = parser.feed(PLAIN[30:] + PLAIN + PLAIN[:5])
    assert [type(e) for e in events] == [TagRead, PlainReads]
    assert events[0] == parse_client_line(PLAIN.decode().strip())
    assert parser.feed(PLAIN[5:]) == [parse_client_line(PLAIN.decode().strip())]


@pytest.mark.parametrize(
    "odd",
    [
        b"CT01_33~1~FINISH~GunTime~2021-05-08T08:00:00.00~0~R~0\r\n",  # a wave start
        b"CT01_33~1~FINISH~ newLocation ~00:00:00.00~0~0~0\r\n",
        b"CT01_33~1~FINISH~9511~2021-02-30T08:00:00.00~1~R~1\r\n",  # no such date
        b"CT01_33~1~FINISH~9511~08:00:00.00~1~R~1\r\n",  # normal time: the line path
        b"CT01_13,1,FINISH,9511,2021-05-08T08:00:00.00,1,R,1\r\n",
        "CT01_33~1~Süd~9511~2021-05-08T08:00:00.00~1~R~1\r\n".encode("cp1252"),
        b"CT01_33~1744~FINISH~ 95 12 ~2021-05-08 08:04:28.6~1~~8\n",  # spaces around a tag
        b"CT01_33~1745~START~9513~2021-05-08T08:04:29~12~  R 1 ~0\r\n",  # and a reader id
        b"CT01_33~1745~ START~9513~2021-05-08T08:04:29~12~R1~0\r\n",  # and before a point
        b"\r\n",
        b"ping\r\n",
    ],
)
def test_a_line_that_is_not_plain_takes_the_line_path_between_two_runs(odd: bytes) -> None:
    parser = ServerParser()
    parser.feed(GREETING)
    events = parser.feed(PLAIN * 2 + odd + PLAIN)
    assert isinstance(events[0], PlainReads) and len(events[0]) == 2
    assert isinstance(events[-1], PlainReads) and len(events[-1]) == 1
    assert not any(isinstance(e, PlainReads) for e in events[1:-1])
    data = GREETING + PLAIN * 2 + odd + PLAIN
    assert one_per_line(events) == line_by_line(data, MAX_LINE_BYTES)[1:]


SPACES = st.sampled_from(["", " ", "  "])
NEAR_PLAIN_FIELD = st.one_of(
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7D), max_size=8),
    st.sampled_from(["guntime", "GUNTIME", "NewLocation", "9511", "", " ", "~", "ü", "\t"]),
)
NEAR_PLAIN_TIME = st.one_of(
    st.from_regex(
        r"20[0-9]{2}-[01][0-9]-[0-3][0-9][T ][0-2][0-9]:[0-5][0-9]:[0-6][0-9](\.[0-9]{1,7})?",
        fullmatch=True,
    ),
    st.sampled_from(["2021-05-08T08:04:28.64", "08:04:28.64", "1620458668.64", ""]),
)
NEAR_PLAIN_DIGITS = st.one_of(
    st.from_regex(r"[0-9]{1,20}", fullmatch=True), st.sampled_from(["", " 1", "x"])
)


@st.composite
def near_plain_lines(draw: st.DrawFn) -> bytes:
    fields = [
        draw(st.sampled_from(["CT01_33", "CT01_33", "CT01_33", "ct01_33", "CT01_13"])),
        draw(NEAR_PLAIN_DIGITS),
        draw(SPACES) + draw(NEAR_PLAIN_FIELD) + draw(SPACES),
        draw(SPACES) + draw(NEAR_PLAIN_FIELD) + draw(SPACES),
        draw(NEAR_PLAIN_TIME),
        draw(NEAR_PLAIN_DIGITS),
        draw(SPACES) + draw(NEAR_PLAIN_FIELD) + draw(SPACES),
        draw(NEAR_PLAIN_DIGITS),
    ]
    ending = draw(st.sampled_from(["\r\n", "\n", "\r\r\n"]))
    return ("~".join(fields) + ending).encode("utf-8")


SOLID = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7D), min_size=1, max_size=30
)


@st.composite
def plain_lines(draw: st.DrawFn, spaces: st.SearchStrategy[str] = SPACES) -> bytes:
    """Valid plain reads with ISO times, in all the shapes the run path must take (`spaces`
    around the location, tag and reader id)."""
    when = draw(st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31)))
    digits = draw(st.integers(0, 6))
    fraction = f".{when.microsecond:06d}"[: digits + 1] if digits else ""
    time = when.strftime("%Y-%m-%d") + draw(st.sampled_from("T ")) + when.strftime("%H:%M:%S")
    fields = [
        "CT01_33",
        str(draw(st.integers(0, 10**18 - 1))),
        draw(spaces) + draw(SOLID.filter(lambda t: "~" not in t)) + draw(spaces),
        draw(spaces) + draw(SOLID.filter(lambda t: "~" not in t)) + draw(spaces),
        time + fraction,
        str(draw(st.integers(0, 10**9 - 1))),
        draw(spaces) + draw(st.one_of(st.just(""), SOLID.filter(lambda t: "~" not in t))),
        str(draw(st.integers(0, 10**9 - 1))),
    ]
    return ("~".join(fields) + draw(st.sampled_from(["\r\n", "\n"]))).encode()


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(
            plain_lines(spaces=st.just("")),
            plain_lines(spaces=st.just("")),
            plain_lines(),
            near_plain_lines(),
        ),
        min_size=1,
        max_size=12,
    ),
    st.sampled_from([MAX_LINE_BYTES, 120, 88, 64]),
)
def test_whole_chunks_give_the_reads_and_times_the_line_path_gives(
    lines: list[bytes], max_line: int
) -> None:
    data = GREETING + b"".join(lines)
    parser = ServerParser(max_line)
    whole = parser.feed(GREETING) + parser.feed(b"".join(lines))
    flat = one_per_line(whole)
    expected = line_by_line(data, max_line)
    assert flat == expected
    assert [getattr(e, "when", None) for e in flat] == [getattr(e, "when", None) for e in expected]
    # A line takes the run path only when it is plain by the rules, and (short of the
    # pattern's bounds, as every field is at the default limit) always then.
    in_run = [isinstance(e, PlainReads) for e in whole for _ in range(len_of(e))][1:]
    plain = [plain_by_the_rules(line, e) for line, e in zip(lines, expected[1:], strict=True)]
    event(f"max_line {max_line}: {sum(in_run)} of {sum(plain)} plain lines in runs")
    assert all(p for p, r in zip(plain, in_run, strict=True) if r)
    if max_line == MAX_LINE_BYTES:
        assert in_run == plain


def len_of(event: Event) -> int:
    return len(event) if isinstance(event, PlainReads) else 1


@settings(max_examples=800)
@given(
    st.one_of(plain_lines(), plain_lines(spaces=st.just("")), near_plain_lines()),
    st.sampled_from([MAX_LINE_BYTES, 120, 88, 80]),
)
def test_a_line_the_pattern_takes_is_never_longer_than_the_limit(
    line: bytes, max_line: int
) -> None:
    pattern = plain_line_pattern(max_line)
    assert pattern is not None
    took = pattern.fullmatch(line.decode("latin-1")) is not None
    event(f"pattern took it: {took}")
    if took:
        assert len(line.rstrip(b"\n").removesuffix(b"\r")) <= max_line


def test_a_limit_with_no_room_for_a_plain_line_leaves_everything_to_the_line_path() -> None:
    assert plain_line_pattern(64) is None
    assert plain_runs(PLAIN, 64) == [PLAIN]
