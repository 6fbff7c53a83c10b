"""The parser's fast path: a chunk whose whole lines are all plain reads, parsed at once.

A plain read is what middleware sends for nearly every line: `CT01_33`, plain digits, an ISO
time, no spaces around the tag and reader id. One regex `findall` over the chunk and a few
`map`s over its columns parse them with no Python code run per line; anything else takes the
line path (p88.tcp.client_lines), which gives the same reads for these lines. Why it is worth
its code: bench/RESULTS.md, "one simple path".
"""

from __future__ import annotations

import functools
import re
from datetime import datetime

from p88.tcp.client_lines import SEQUENCE_DIGITS, SMALL_DIGITS
from p88.tcp.events import PlainReads
from p88.tcp.wallclock import ISO_SHAPE

_TEXT = "[ -}]"  # printable ASCII but '~', the separator
_SOLID = "[!-}]"  # the same, space excepted
# The fixed part of a line: `CT01_33~`, six more separators, the longest sequence, ISO time
# (26), lap and gator.
_FIXED = 8 + 6 + SEQUENCE_DIGITS + 26 + 2 * SMALL_DIGITS


@functools.cache
def plain_line_pattern(max_line: int) -> re.Pattern[str] | None:
    """The pattern of one whole plain read line, LF included, no longer than max_line (CR
    aside); None when max_line leaves no room for one. Groups: the seven fields after
    `CT01_33`. The location, tag and reader id are bounded so that a match is never longer
    than max_line: the length check costs nothing extra."""
    most = (max_line - _FIXED) // 3
    if most < 1:
        return None
    return re.compile(
        rf"^CT01_33~([0-9]{{1,{SEQUENCE_DIGITS}}})"
        rf"~({_SOLID}{_TEXT}{{0,{most - 1}}})"  # a location may hold spaces, not start with one
        rf"~(?!(?i:guntime|newlocation)~)({_SOLID}{{1,{most}}})"
        rf"~({ISO_SHAPE})"
        rf"~([0-9]{{1,{SMALL_DIGITS}}})"
        rf"~({_SOLID}{{0,{most}}})"
        rf"~([0-9]{{1,{SMALL_DIGITS}}})\r?\n",
        re.MULTILINE,
    )


_from_iso = datetime.fromisoformat


def plain_reads(block: bytes, max_line: int) -> PlainReads | None:
    """Every line of `block` (whole lines, each ending in LF) as one PlainReads, or None
    unless each is a plain read."""
    pattern = plain_line_pattern(max_line)
    if pattern is None or not block.isascii():
        return None
    text = block.decode("ascii")
    rows = pattern.findall(text)
    # A match is one whole line, LF included: as many matches as LFs means every line matched.
    if len(rows) != text.count("\n"):
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
