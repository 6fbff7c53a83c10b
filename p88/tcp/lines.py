"""Bytes to lines, for both sides of CTP01: split on LF, drop one CR, bound the length, decode."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

MAX_LINE_BYTES = 1024
"""Longest line kept; longer lines are dropped and reported (the spec's longest is ~100 bytes)."""


@dataclass(frozen=True, slots=True)
class Dropped:
    """An over-long line: its full length and its first max_line + 1 bytes (to classify it)."""

    length: int
    head: bytes


class LineSplitter:
    """Split a byte stream on LF and drop one trailing CR, keeping at most max_line + 1 bytes.

    The extra byte is room for the CR, so a line of exactly max_line bytes plus CR is kept.
    Beyond that, bytes are only counted: a client that never sends LF costs no memory.
    """

    def __init__(self, max_line: int) -> None:
        if max_line < 1:
            raise ValueError("max_line must be at least 1")
        self._max = max_line
        self._head = bytearray()
        self._dropped = 0  # bytes of the current line beyond the kept head
        self._last_cr = False  # whether the last byte of the current line so far was CR

    @property
    def max_line(self) -> int:
        return self._max

    @property
    def idle(self) -> bool:
        """Whether no line is under way: the next byte pushed starts a new line."""
        return not self._head and not self._dropped

    @property
    def pending(self) -> bytes:
        """The kept start of the unfinished line."""
        return bytes(self._head)

    @property
    def overflowing(self) -> bool:
        """Whether the unfinished line is already known to be over-long."""
        return self._dropped > 0

    def push(self, data: bytes) -> Iterator[bytes | Dropped]:
        """Yield each line completed by `data` (without CR LF), or Dropped if too long."""
        start = 0
        while (end := data.find(b"\n", start)) >= 0:
            yield self._finish(data[start:end])
            start = end + 1
        self._keep(data[start:])

    def _keep(self, chunk: bytes) -> None:
        if not chunk:
            return
        room = self._max + 1 - len(self._head)
        if room > 0:
            self._head += chunk[:room]
        self._dropped += max(0, len(chunk) - max(room, 0))
        self._last_cr = chunk[-1] == 0x0D

    def _finish(self, tail: bytes) -> bytes | Dropped:
        if not self._head and len(tail) <= self._max + 1:
            line = tail  # the common case: a whole line inside one chunk, no copying
        else:
            self._keep(tail)
            line = bytes(self._head)
        dropped, last_cr = self._dropped, (tail[-1] == 0x0D if tail else self._last_cr)
        self._head.clear()
        self._dropped, self._last_cr = 0, False
        if dropped:
            return Dropped(len(line) + dropped - (1 if last_cr else 0), line)
        if last_cr:
            line = line[:-1]
        if len(line) > self._max:
            return Dropped(len(line), line)
        return line


def is_blank(line: bytes) -> bool:
    return not line.strip(b" \t")


def decode(line: bytes) -> tuple[str, str]:
    """The text of one line and the encoding it was read with (UTF-8, else cp1252)."""
    if line.isascii():
        return line.decode("ascii"), "ascii"
    try:
        return line.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; "replace" makes decoding total.
        return line.decode("cp1252", errors="replace"), "cp1252"


CONTROL = re.compile(rb"[\x00-\x08\x0a-\x0c\x0e-\x1f\x7f]")
"""Control characters other than TAB and CR (LF never occurs inside a line)."""


def has_control(line: bytes) -> bool:
    """Whether a finished line holds a control character (a CR left inside counts)."""
    return CONTROL.search(line) is not None or b"\r" in line
