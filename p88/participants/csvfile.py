"""Text -> header + records, each with the line it starts on and, if it cannot be trusted, why.

Python's csv module reads the records. What it cannot tell is when a stray quote made it read
several rows as one: a quote left open on line 5 runs into the next quote in the file, so lines
5-9 become one runner whose first name holds four other runners. A record that spans lines is
therefore checked: when its field count is wrong, or a line inside it reads as a whole row on
its own, it is reported at its first line and the lines after that are read again as rows of
their own. The same happens when the reader gives up inside a quote (strict mode).

Records are produced lazily (`CsvFile.records()`): a million-row file is never held as a
million objects, and each pass over it costs one read of the text.
"""

from __future__ import annotations

import csv
import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from p88.participants.textfile import CsvFileError, decode_upload, iter_lines

__all__ = ["CsvFile", "CsvFileError", "Record", "read_csv"]

DELIMITERS = ",;\t|"
SNIFF_LINES = 20
# Every this many records the reader lets go of the GIL for a moment: it runs in a worker
# thread beside the event loop, which otherwise waits up to the switch interval (5 ms) for
# the GIL after each of its waits for I/O.
YIELD_EVERY = 256


class Record(NamedTuple):
    line: int  # 1-based line of the file where the record starts
    values: list[str]
    problem: str | None = None  # set: the record is reported, never imported


class _Lines:
    """The text's lines for csv.reader, counted; the lines of a record read wrongly as one can
    be put back to be read again."""

    __slots__ = ("_again", "_next", "number", "taken")

    def __init__(self, text: str) -> None:
        self._next = iter_lines(text).__next__
        self._again: list[str] = []
        self.number = 0  # lines handed out so far
        self.taken: list[str] = []  # the lines of the record being read

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self._again.pop() if self._again else self._next()
        self.number += 1
        self.taken.append(line)
        return line

    def read_again_after_first(self) -> None:
        again = self.taken[1:]
        self._again.extend(reversed(again))
        self.number -= len(again)


@dataclass(slots=True)
class CsvFile:
    header: list[str]
    delimiter: str
    encoding: str
    warnings: list[str] = field(default_factory=list)
    text: str = ""
    line_problems: dict[int, str] = field(default_factory=dict)

    def records(self) -> Iterator[Record]:
        """The data records (blank lines skipped), in file order."""
        lines = _Lines(self.text)
        reader = csv.reader(lines, delimiter=self.delimiter, strict=True)
        next(reader)  # the header, checked by read_csv
        width = len(self.header)
        while True:
            start = lines.number + 1
            if not start % YIELD_EVERY:
                time.sleep(0)
            lines.taken = []
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                broken = _broken(start, lines.number, exc)
                lines.read_again_after_first()
                yield Record(start, [], broken)
                continue
            end = lines.number
            if end > start and self._swallowed(values, lines.taken):
                lines.read_again_after_first()
                yield Record(start, values, _unclosed(start, end))
                continue
            if not "".join(values).strip():
                continue
            problem = _count_problem(values, width)
            if problem is None and self.line_problems:
                problem = self._line_problem(start, end)
            yield Record(start, values, problem)

    def _line_problem(self, start: int, end: int) -> str | None:
        """What decoding found wrong on one of the lines start..end (bad UTF-8, a control
        character), if anything."""
        found = (self.line_problems.get(n) for n in range(start, end + 1))
        return next((problem for problem in found if problem), None)

    def _swallowed(self, values: list[str], lines: list[str]) -> bool:
        """Whether a record spanning lines looks like rows run together by a stray quote: its
        field count is wrong, or one of its later lines is a whole row by itself."""
        width = len(self.header)
        if len(values) != width or width == 1:
            return True
        alone = csv.reader(lines[1:], delimiter=self.delimiter)
        return any(len(fields) >= width for fields in alone)


def _count_problem(values: list[str], width: int) -> str | None:
    count = len(values)
    if count == width or (count > width and not "".join(values[width:]).strip()):
        return None  # extra empty fields: trailing separators, nothing lost
    hint = (
        "a separator inside an unquoted name? put that field in quotes"
        if count > width
        else "a separator missing, or a quote left open?"
    )
    return (
        f"this row has {count} field{'s' if count != 1 else ''} where the header names "
        f"{width} columns: it is not "
        f"imported ({hint})"
    )


def _unclosed(start: int, end: int) -> str:
    after = f"line {end} is" if end == start + 1 else f"lines {start + 1}-{end} are"
    return (
        f"a quote opened on this line is not closed until line {end}: the row is not "
        f"imported, and {after} read as rows of their own. Check its quotes "
        '(a quote inside a name is written twice: "")'
    )


def _broken(start: int, stopped: int, exc: csv.Error) -> str:
    message = str(exc)
    if "expected after" in message and stopped == start:
        return (
            "a quote in the middle of a field: put the whole field in quotes and write the "
            'quote twice ("") - the row is not imported'
        )
    if "expected after" in message:
        return _unclosed(start, stopped)
    if "end of data" in message or "field limit" in message:
        return (
            "a quote opened on this line is never closed: the row is not imported, and the "
            "lines after it are read as rows of their own. Check its quotes"
        )
    return f"the CSV is malformed here ({message}): the row is not imported"


def sniff_delimiter(text: str) -> str:
    """The delimiter the csv module's sniffer sees in the first lines, if the header uses it;
    else the one the header line uses most; ',' when it uses none."""
    sample = "".join(itertools.islice(iter_lines(text), SNIFF_LINES))
    header_line = sample.splitlines()[0] if sample else ""
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = ""
    if sniffed and sniffed in header_line:
        return sniffed
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def read_csv(data: bytes) -> CsvFile:
    """Decode, find the delimiter and read the header; the records are read by `records()`."""
    decoded = decode_upload(data)
    delimiter = sniff_delimiter(decoded.text)
    lines = _Lines(decoded.text)
    try:
        header = [h.strip() for h in next(csv.reader(lines, delimiter=delimiter, strict=True))]
    except (csv.Error, StopIteration) as exc:
        raise CsvFileError(
            "the first line, which names the columns, has a quote that is not closed: fix it"
        ) from exc
    if lines.number > 1:
        raise CsvFileError(
            "the first line, which names the columns, has a quote that is not closed: fix it"
        )
    if 1 in decoded.line_problems:
        raise CsvFileError(
            "the first line, which names the columns, is not valid UTF-8 while the rest of the "
            "file is: save it again as 'CSV UTF-8'"
        )
    while header and not header[-1]:
        header.pop()  # trailing separators on the header line name no column
    if not header:
        raise CsvFileError("the first line must name the columns (Bib, First Name, ...)")
    return CsvFile(
        header, delimiter, decoded.encoding, decoded.warnings, decoded.text, decoded.line_problems
    )
