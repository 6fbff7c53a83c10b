"""Turning uploaded bytes into header + records with their line numbers.

Registration systems export UTF-8 (often with a BOM), and spreadsheets on Windows save
Windows-1252; both are read. A file that is UTF-8 except for a few lines is corrupt rather than
of another encoding, so those lines are rejected (with their numbers) instead of being guessed.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

DELIMITERS = (",", ";", "\t")


class CsvFileError(Exception):
    """The file as a whole cannot be read; the message says what to do."""


@dataclass(frozen=True, slots=True)
class Record:
    line: int  # 1-based line of the file where the record starts
    values: list[str]
    encoding_error: str | None = None


@dataclass(slots=True)
class CsvFile:
    header: list[str]
    records: list[Record]
    delimiter: str
    encoding: str
    warnings: list[str] = field(default_factory=list)


def _decode_lines(data: bytes) -> tuple[list[str], set[int], str, list[str]]:
    """Decode line by line. Returns the lines (with endings), the 1-based numbers of lines that
    are not UTF-8 in an otherwise UTF-8 file, the encoding used and warnings."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8").splitlines(keepends=True), set(), "utf-8", []
    except UnicodeDecodeError:
        pass
    raw_lines = data.splitlines(keepends=True)
    lines: list[str] = []
    bad: set[int] = set()
    utf8_non_ascii = False
    for number, raw in enumerate(raw_lines, start=1):
        try:
            text = raw.decode("utf-8")
            utf8_non_ascii = utf8_non_ascii or not raw.isascii()
        except UnicodeDecodeError:
            bad.add(number)
            text = raw.decode("cp1252", errors="replace")
        lines.append(text)
    if utf8_non_ascii:
        return lines, bad, "utf-8", []
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise CsvFileError(
            "the file is neither UTF-8 nor Windows-1252 text; save it again as "
            "'CSV UTF-8' from your spreadsheet"
        ) from exc
    warning = (
        "the file is not UTF-8; it was read as Windows-1252 (Excel's default on Windows). "
        "Check accented names, or save it as 'CSV UTF-8' next time"
    )
    return text.splitlines(keepends=True), set(), "cp1252", [warning]


def sniff_delimiter(header_line: str) -> str:
    """The delimiter the header line uses most: ',' (the default), ';' (European Excel) or tab."""
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def read_csv(data: bytes) -> CsvFile:
    if not data.strip():
        raise CsvFileError("the file is empty: export the participant list again")
    lines, bad_lines, encoding, warnings = _decode_lines(data)
    if 1 in bad_lines:
        raise CsvFileError(
            "the header line is not valid UTF-8 while the rest of the file is: "
            "save it again as 'CSV UTF-8'"
        )
    delimiter = sniff_delimiter(lines[0])
    reader = csv.reader(io.StringIO("".join(lines), newline=""), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration as exc:
        raise CsvFileError("the file has no header line") from exc
    records: list[Record] = []
    start = reader.line_num + 1
    try:
        for values in reader:
            end = reader.line_num
            if any(v.strip() for v in values):
                spanned = bad_lines.intersection(range(start, end + 1))
                error = None
                if spanned:
                    error = (
                        "this line is not valid UTF-8 while the rest of the file is "
                        "(a name typed in another program?): fix it and save the file as "
                        "'CSV UTF-8'"
                    )
                records.append(Record(start, values, error))
            start = end + 1
    except csv.Error as exc:
        raise CsvFileError(f"line {reader.line_num}: the CSV is malformed ({exc})") from exc
    if not any(header):
        raise CsvFileError("the first line must name the columns (Bib, First Name, ...)")
    return CsvFile(header, records, delimiter, encoding, warnings)
