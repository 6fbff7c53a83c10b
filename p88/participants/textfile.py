"""Uploaded bytes -> text, or a refusal that says what the file is and what to do.

Registration systems export UTF-8 (often with a BOM), and spreadsheets on Windows save
Windows-1252; both are read. A file that is UTF-8 except for a few lines is corrupt rather than
of another encoding, so those lines are reported (with their numbers) instead of being guessed.
A workbook, a PDF or any other binary file is refused: read as Windows-1252 (which decodes
almost any byte) it would become rows of garbage.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import AnyStr

UTF8_BOM = b"\xef\xbb\xbf"
SAVE_AS_CSV = "save the participant list as CSV ('CSV UTF-8' in Excel) and upload that"

# The first bytes of files people pick by mistake instead of the CSV they meant.
SIGNATURES = (
    (b"PK\x03\x04", "an Excel workbook (.xlsx) or another zip archive"),
    (b"\xd0\xcf\x11\xe0", "an Excel 97-2003 workbook (.xls)"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xff\xfe", "UTF-16 text (Excel's 'Unicode Text')"),
    (b"\xfe\xff", "UTF-16 text"),
)
# Characters no CSV of names holds: their presence means binary data (or a damaged line).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SCAN_CHUNK = 1 << 20  # characters a regex scans before the GIL is let go (a worker thread)
LINE = r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z"  # one line, with its ending if it has one
TEXT_LINE, BYTES_LINE = re.compile(LINE), re.compile(LINE.encode())
NOT_UTF8_LINE = (
    "this line is not valid UTF-8 while the rest of the file is (a name typed in another "
    "program?): fix it and save the file as 'CSV UTF-8'"
)


class CsvFileError(Exception):
    """The file as a whole cannot be read; the message says what to do."""


@dataclass(slots=True)
class Text:
    text: str
    encoding: str  # "utf-8" or "cp1252"
    line_problems: dict[int, str] = field(default_factory=dict)  # 1-based line -> reason
    warnings: list[str] = field(default_factory=list)


def decode_upload(data: bytes) -> Text:
    """The text of an upload. Line numbers count "\\n", "\\r\\n" and a lone "\\r" as one line
    break each, as the CSV reader does (`io.StringIO(text, newline="")`)."""
    if not data.strip():
        raise CsvFileError("the file is empty: export the participant list again")
    _refuse_binary(data)
    data = data.removeprefix(UTF8_BOM).rstrip(b"\x1a")  # Ctrl-Z: an old DOS end-of-file mark
    try:
        decoded = Text(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        decoded = _not_utf8(data)
    for line, reason in _control_lines(decoded.text).items():
        decoded.line_problems.setdefault(line, reason)
    return decoded


def _refuse_binary(data: bytes) -> None:
    for signature, what in SIGNATURES:
        if data.startswith(signature):
            raise CsvFileError(f"this is {what}, not a CSV file: {SAVE_AS_CSV}")
    nul = data.find(b"\x00")
    if nul >= 0:
        line = line_breaks(data[:nul].decode("latin-1"), 0, nul) + 1
        raise CsvFileError(
            f"it holds NUL bytes (the first on line {line}), so it is not a text file: "
            + SAVE_AS_CSV
        )


def _not_utf8(data: bytes) -> Text:
    """UTF-8 with a few broken lines (reported), or else Windows-1252 (with a warning)."""
    lines: list[str] = []
    bad: dict[int, str] = {}
    utf8_non_ascii = False
    for number, raw in enumerate(iter_lines(data), start=1):
        try:
            lines.append(raw.decode("utf-8"))
            utf8_non_ascii = utf8_non_ascii or not raw.isascii()
        except UnicodeDecodeError:
            bad[number] = NOT_UTF8_LINE
            lines.append(raw.decode("cp1252", errors="replace"))
    if utf8_non_ascii:
        return Text("".join(lines), "utf-8", bad)
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise CsvFileError(
            "the file is neither UTF-8 nor Windows-1252 text (is it a CSV at all?): " + SAVE_AS_CSV
        ) from exc
    warning = (
        "the file is not UTF-8; it was read as Windows-1252 (Excel's default on Windows). "
        "Check accented names, or save it as 'CSV UTF-8' next time"
    )
    return Text(text, "cp1252", {}, [warning])


def _control_lines(text: str) -> dict[int, str]:
    """Lines holding control characters. A few are damaged lines (reported, not imported);
    many, or one in the header, mean the file is not text at all."""
    found: dict[int, str] = {}
    too_many = 0
    line, counted_to = 1, 0
    for match in _scan(CONTROL, text):
        too_many = too_many or max(3, (line_breaks(text, 0, len(text)) + 1) // 100)
        line += line_breaks(text, counted_to, match.start())
        counted_to = match.start()
        found.setdefault(line, f"this line holds a control character ({match[0]!r}): remove it")
        if line == 1 or len(found) > too_many:
            raise CsvFileError(
                f"it holds control characters ({match[0]!r} on line {line}), so it is not a "
                "text file: " + SAVE_AS_CSV
            )
    return found


def _scan(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """pattern.finditer(text) for a pattern of single characters, a chunk at a time."""
    for start in range(0, len(text), SCAN_CHUNK):
        yield from pattern.finditer(text, start, start + SCAN_CHUNK)
        time.sleep(0)


def iter_lines(text: AnyStr) -> Iterator[AnyStr]:
    """The lines of `text` with their endings, split at "\\n", "\\r\\n" and a lone "\\r" (as the
    CSV reader splits them), one at a time: a million-line file is never copied whole."""
    lf, cr = ("\n", "\r") if isinstance(text, str) else (b"\n", b"\r")
    if text.count(cr) != text.count(cr + lf):  # lone carriage returns: old Mac line ends
        if isinstance(text, str):
            yield from (match[0] for match in TEXT_LINE.finditer(text))
        else:
            yield from (match[0] for match in BYTES_LINE.finditer(text))
        return
    start, end = 0, len(text)
    while start < end:
        stop = text.find(lf, start) + 1 or end
        yield text[start:stop]
        start = stop


def line_breaks(text: str, start: int, end: int) -> int:
    """How many line breaks text[start:end] holds ("\r\n" is one; `start` and `end` must not
    split one)."""
    crlf = text.count("\r\n", start, end)
    return text.count("\n", start, end) + text.count("\r", start, end) - crlf
