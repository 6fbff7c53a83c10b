"""The collector's fast path for plain read lines must agree with the full parser."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from p88.tcp.protocol import TagRead, _plain_tag_read, parse_client_line

FIELD = st.text(alphabet=st.characters(min_codepoint=0x09, max_codepoint=0x7E), max_size=12)
DIGITS = st.from_regex(r"[0-9]{1,20}", fullmatch=True)
TIME = st.one_of(
    st.from_regex(
        r"20[0-9]{2}-[01][0-9]-[0-3][0-9][T ][0-2][0-9]:[0-5][0-9]:[0-5][0-9](\.[0-9]{1,7})?",
        fullmatch=True,
    ),
    st.from_regex(r"-?[0-9]{1,3}:[0-9]{2}:[0-9]{2}\.[0-9]{2}", fullmatch=True),
    FIELD,
)


@settings(max_examples=1500)
@given(
    st.one_of(DIGITS, FIELD),
    FIELD,
    st.one_of(FIELD, st.sampled_from(["guntime", "GUNTIME", "newlocation", " 9511 "])),
    TIME,
    st.one_of(DIGITS, FIELD),
    FIELD,
    st.one_of(DIGITS, FIELD),
    st.sampled_from(["CT01_33", "CT01_13", "CT01_3", "ct01_33"]),
)
def test_fast_path_agrees_with_the_full_parser(
    seq: str, loc: str, tag: str, time: str, lap: str, reader: str, gator: str, fmt: str
) -> None:
    line = "~".join([fmt, seq, loc, tag, time, lap, reader, gator])
    fast = _plain_tag_read(line.encode("ascii"))
    if fast is None:
        return
    full = parse_client_line(line)
    assert isinstance(full, TagRead)
    assert fast == full
    assert fast.when == full.when


def test_fast_path_takes_a_real_line_and_leaves_special_ones() -> None:
    read = _plain_tag_read(b"CT01_33~1743~FINISH~9511~2021-05-08T08:04:28.64~1~12000C~8")
    assert read == TagRead(1743, "FINISH", "9511", "2021-05-08T08:04:28.64", 1, "12000C", 8)
    assert _plain_tag_read(b"CT01_33~1~FINISH~guntime~2021-05-08T08:00:55.16~0~I11A9D~0") is None
    assert _plain_tag_read(b"CT01_13,1,FINISH,9511,2021-05-08T08:04:28.64,1,12000C,8") is None
    assert _plain_tag_read("CT01_33~1~Süd~1~08:00:00.00~1~A~1".encode("cp1252")) is None
