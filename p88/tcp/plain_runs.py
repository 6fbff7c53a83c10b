"""The parser's fast path: the runs of plain reads in a chunk, each parsed at once.

A plain read is what middleware sends for nearly every line: `CT01_33`, plain digits, an ISO
time, no spaces in the tag or reader id. One regex `findall` over a chunk and a few `map`s
over its columns parse them with no Python code run per line; every other line (a gun time,
an answer, anything odd) takes the line path (p88.tcp.client_lines), which gives the same
reads for plain lines. Why it is worth its code: bench/RESULTS.md, "one simple path".
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from datetime import datetime

from p88.tcp.client_lines import SEQUENCE_DIGITS, SMALL_DIGITS
from p88.tcp.events import PlainReads
from p88.tcp.wallclock import ISO_SHAPE

_TEXT = "[ -}]"  # printable ASCII but '~', the separator
_SOLID = "[!-}]"  # the same, space excepted
# The fixed part of a line: `CT01_33~`, six more separators, the longest sequence, ISO time
# (26), lap and gator.
_FIXED = 8 + 6 + SEQUENCE_DIGITS + 26 + 2 * SMALL_DIGITS

Row = tuple[str, ...]  # the seven fields after `CT01_33`


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


def plain_runs(block: bytes, max_line: int) -> list[PlainReads | bytes]:
    """The lines of `block` (whole lines, each ending in LF), in order: each run of plain
    reads as one PlainReads, the lines between them as their bytes (for the line path)."""
    pattern = plain_line_pattern(max_line)
    if pattern is None:
        return [block]
    text = block.decode("latin-1")  # one character per byte: positions are byte offsets
    rows = pattern.findall(text)
    # A match is one whole line, LF included: as many matches as LFs means every line matched.
    if len(rows) == text.count("\n"):
        try:
            return [_columns(rows)]  # the usual chunk
        except ValueError:
            pass  # a date that does not exist (2021-02-30): the line path reports it
    return list(_runs_and_lines(pattern, block, text))


def _runs_and_lines(
    pattern: re.Pattern[str], block: bytes, text: str
) -> Iterator[PlainReads | bytes]:
    rows: list[Row] = []
    done = 0  # where the text not yet given out or gathered into `rows` begins
    for match in pattern.finditer(text):
        start, end = match.span()
        plain = _is_date(match.group(4))
        if start != done or not plain:
            if rows:
                yield _columns(rows)
                rows = []
            if start != done:
                yield block[done:start]
        if plain:
            rows.append(match.groups())
        else:
            yield block[start:end]
        done = end
    if rows:
        yield _columns(rows)
    if done < len(block):
        yield block[done:]


def _is_date(text: str) -> bool:
    try:
        _from_iso(text)
    except ValueError:
        return False
    return True


def _columns(rows: list[Row]) -> PlainReads:
    """The rows as one PlainReads; ValueError if a date does not exist."""
    sequences, locations, tags, times, laps, reader_ids, gators = zip(*rows, strict=True)
    return PlainReads(
        list(map(int, sequences)),
        locations,
        tags,
        times,
        list(map(int, laps)),
        reader_ids,
        list(map(int, gators)),
        list(map(_from_iso, times)),
    )
